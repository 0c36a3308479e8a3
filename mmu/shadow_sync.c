/*
 * Keeping the shadow tables equal to the guest's: a guest write to one of
 * its page tables (emulated, since those gfns are write-protected) drops the
 * shadow entries derived from the guest entries it touched, and INVLPG drops
 * the leaf for its address. Dropped entries are refilled by the next fault;
 * the tables they pointed to stay cached (mmu/shadow_pages.c).
 *
 * A shadow table written SHADOW_FLOOD_WRITES times with no fault through
 * it in between is freed instead: its gfn is most likely no longer a page
 * table (a freed table reused as data) or is being rewritten wholesale, and
 * every further write would be emulated (KVM's "write flooding" heuristic,
 * Documentation/virt/kvm/x86/mmu.rst). The next fault through it builds it
 * again if it still is a table.
 */
#include "mmu/shadow_internal.h"
#include "abi/errno.h"

#define SHADOW_FLOOD_WRITES 3

/* Guest entry g of a 1024-entry 32-bit table, in the shadow quadrant of
 * 'sp': a PT quadrant holds PTEs q*512.., one shadow entry each; a PD
 * quadrant holds PDEs q*256.., two 2 MiB shadow entries each. */
static void zap_entry_32(struct shadow *s, uint32_t sp_idx, unsigned g)
{
	const struct shadow_page *sp = sp_at(s, sp_idx);
	unsigned q = sp->role.quadrant;

	if (sp->role.level == 1 && g / 512 == q) {
		spte_clear(s, sp_idx, g % 512);
	} else if (sp->role.level == 2 && g / 256 == q) {
		spte_clear(s, sp_idx, 2 * (g % 256));
		spte_clear(s, sp_idx, 2 * (g % 256) + 1);
	}
}

/* Bytes [off, off + len) of guest table page gfn changed. */
static void zap_written(struct shadow *s, uint64_t gfn, unsigned off, unsigned len)
{
	bool legacy32 = shadow_mode_of(&s->paging) == SHADOW_MODE_32;
	unsigned size = legacy32 ? 4 : 8;
	unsigned first = off / size, last = (off + len - 1) / size;

	for (uint32_t i = *sp_hash_bucket(s, gfn), next; i != SP_NONE; i = next) {
		struct shadow_page *sp = sp_at(s, i);
		next = sp->hash_next;
		if (sp->gfn != gfn || !sp_is_guest_table(sp))
			continue;
		if (++sp->writes >= SHADOW_FLOOD_WRITES && i != s->root_sp) {
			sp_free(s, i);
			continue;
		}
		for (unsigned g = first; g <= last; g++) {
			if (legacy32)
				zap_entry_32(s, i, g);
			else
				spte_clear(s, i, g);
		}
	}
}

void shadow_guest_wrote(struct shadow *s, uint64_t gpa, uint64_t len_bytes)
{
	while (len_bytes) {
		unsigned off = gpa & 0xfff;
		unsigned n = 4096 - off;
		if (n > len_bytes)
			n = (unsigned)len_bytes;
		if (gfn_is_guest_table(s, gpa >> 12))
			zap_written(s, gpa >> 12, off, n);
		gpa += n;
		len_bytes -= n;
	}
}

void shadow_invlpg(struct shadow *s, uint64_t gva)
{
	bool long_mode = shadow_mode_of(&s->paging) == SHADOW_MODE_LONG;
	uint32_t sp = s->root_sp;

	s->flush_needed = true;         /* the guest asked for gva's TLB entry */
	if (sp == SP_NONE)
		return;
	if (!long_mode)
		gva &= 0xffffffff;
	for (unsigned level = long_mode ? 4 : 3; level > 1; level--) {
		uint64_t e = sp_table(s, sp_at(s, sp))[shadow_index(s, gva, level)];
		if (!(e & SPTE_P))
			return;
		sp = sp_by_table(s, e & SPTE_ADDR);
		if (sp == SP_NONE)
			return;
	}
	spte_clear(s, sp, shadow_index(s, gva, 1));
}

int shadow_unprotect(struct shadow *s, uint64_t gpa)
{
	uint64_t gfn = gpa >> 12;
	int r = 0;

	for (uint32_t i = *sp_hash_bucket(s, gfn), next; i != SP_NONE; i = next) {
		const struct shadow_page *sp = sp_at(s, i);
		next = sp->hash_next;
		if (sp->gfn != gfn || !sp_is_guest_table(sp))
			continue;
		if (i == s->root_sp)
			r = -EBUSY;     /* the hardware is using it */
		else
			sp_free(s, i);
	}
	return r;
}
