/*
 * The memory sweep of memtouch (memtouch.h), the same in every paging
 * mode and in both guests (built -m32 and -m64; 32-bit words, so the two
 * print the same checksums).
 */
#include "memtouch.h"

/* The word stored in the line at guest-physical gpa: a bit mixer (the
 * MurmurHash3 finaliser) of the address and the mode's seed, so a line
 * read from any other frame, offset or mode differs. */
static uint32_t pattern(uint32_t gpa, uint32_t seed)
{
	uint32_t x = gpa ^ (seed * 0x9e3779b9u);

	x ^= x >> 16;
	x *= 0x85ebca6bu;
	x ^= x >> 13;
	x *= 0xc2b2ae35u;
	x ^= x >> 16;
	return x;
}

struct sweep {
	const struct spaces *s;
	unsigned int space;             /* the space CR3 holds */
	unsigned long cr3_loads;
};

/* Every SWITCH_BYTES of the pass, CR3 changes to the other space. */
static void follow_space(struct sweep *w, unsigned long done)
{
	unsigned int want = (done / SWITCH_BYTES) & 1;

	if (w->cr3_loads && want == w->space)
		return;
	w->space = want;
	write_cr3(w->s->cr3[want]);
	w->cr3_loads++;
}

/* Writes every line of the region in frame order, each time through the
 * window that maps it in frame order in the current space. */
static void write_region(struct sweep *w, uint32_t seed)
{
	for (unsigned long off = 0; off < REGION_BYTES; off += LINE_BYTES) {
		follow_space(w, off);
		unsigned long base = w->space == 0 ? WINDOW_A : WINDOW_B;

		*(volatile uint32_t *)(base + off) = pattern(REGION_GPA + off, seed);
	}
}

/* Reads every line through the scrambled window of the current space, in
 * that window's linear order; returns the lines that differ, folds every
 * word read into *sum (FNV-1a over the words). */
static unsigned long verify_region(struct sweep *w, uint32_t seed, uint32_t *sum)
{
	unsigned long page = w->s->page, pages = REGION_BYTES / page, bad = 0, done = 0;

	for (unsigned long i = 0; i < pages; i++) {
		unsigned long frame = REGION_GPA + scrambled_page(i, pages) * page;

		for (unsigned long off = 0; off < page; off += LINE_BYTES, done += LINE_BYTES) {
			follow_space(w, done);
			unsigned long base = w->space == 0 ? WINDOW_B : WINDOW_A;
			unsigned long va = base + i * page + off;
			uint32_t got = *(volatile uint32_t *)va;
			uint32_t want = pattern(frame + off, seed);

			if (got != want && bad++ == 0)
				say("%s: first wrong line at 0x%lx (space %u): 0x%x, want 0x%x",
				    w->s->mode, va, w->space, got, want);
			*sum = (*sum ^ got) * 0x01000193u;
		}
	}
	return bad;
}

void memtouch(const struct spaces *s, uint32_t seed)
{
	struct sweep w = { .s = s };
	uint32_t sum = 0x811c9dc5u;
	unsigned long bad;

	write_region(&w, seed);
	bad = verify_region(&w, seed, &sum);
	say("%s: checksum 0x%08x", s->mode, sum);
	check(bad == 0, "%s: %lu MiB in %lu pages written in frame order, read back "
	      "scrambled, %lu CR3 loads: %lu wrong lines", s->mode, REGION_BYTES >> 20,
	      REGION_BYTES / s->page, w.cr3_loads, bad);
}
