/*
 * Shadow entries and their reverse map: every present entry is linked in a
 * chain keyed by the host frame it points to, a leaf by the guest page it
 * maps, a link by the shadow table below it (the two sets of frames never
 * meet). So write protection of a gfn that becomes a guest page table finds
 * every leaf that maps it, and freeing one shadow table finds every entry
 * that points to it, without scanning the shadow tables (the idea of KVM's
 * rmap and parent_ptes, Documentation/virt/kvm/x86/mmu.rst). Keyed by host
 * frame, not gfn, because the entry holds the former: unlinking needs no
 * extra record, and the VM's map sends distinct gfns to distinct frames.
 */
#include "mmu/shadow_internal.h"
#include "mmu/mmu.h"

static uint32_t *rmap_heads(const struct shadow *s)
{
	return shadow_virt(s, s->rmap_hash_hpa);
}

static uint32_t *rmap_bucket(const struct shadow *s, uint64_t hpa)
{
	uint64_t frame = hpa >> 12;

	return &rmap_heads(s)[(uint32_t)((frame * 0x9e3779b97f4a7c15ULL) >> 54) % HASH_BUCKETS];
}

static struct rmap_link *link_of(const struct shadow *s, uint32_t node)
{
	struct rmap_link *links = shadow_virt(s, sp_at(s, node / SHADOW_ENTRIES)->rmap_hpa);

	return &links[node % SHADOW_ENTRIES];
}

static uint64_t *entry_of(const struct shadow *s, uint32_t node)
{
	return &sp_table(s, sp_at(s, node / SHADOW_ENTRIES))[node % SHADOW_ENTRIES];
}

void rmap_init(struct shadow *s)
{
	uint32_t *heads = rmap_heads(s);

	for (unsigned i = 0; i < HASH_BUCKETS; i++)
		heads[i] = SP_NONE;
}

static void rmap_add(struct shadow *s, uint32_t node, uint64_t hpa)
{
	uint32_t *head = rmap_bucket(s, hpa);
	struct rmap_link *l = link_of(s, node);

	l->prev = SP_NONE;
	l->next = *head;
	if (*head != SP_NONE)
		link_of(s, *head)->prev = node;
	*head = node;
}

static void rmap_del(struct shadow *s, uint32_t node, uint64_t hpa)
{
	struct rmap_link *l = link_of(s, node);

	if (l->prev != SP_NONE)
		link_of(s, l->prev)->next = l->next;
	else
		*rmap_bucket(s, hpa) = l->next;
	if (l->next != SP_NONE)
		link_of(s, l->next)->prev = l->prev;
}

/* The TLB may hold more than the new entry allows. A widened entry needs
 * no flush: the #PF that led to it invalidated the faulting address
 * (SDM Vol. 3 4.10.4.1, 4.10.4.3). */
static bool reduces(uint64_t old, uint64_t new)
{
	const uint64_t grants = SPTE_P | SPTE_RW | SPTE_US;

	return (old & SPTE_P) &&
	       ((old & SPTE_ADDR) != (new & SPTE_ADDR) || (old & ~new & grants) ||
		(new & ~old & SPTE_NX));
}

void entry_set(struct shadow *s, uint32_t sp_idx, unsigned i, uint64_t spte)
{
	uint32_t node = sp_idx * SHADOW_ENTRIES + i;
	uint64_t *e = entry_of(s, node);
	uint64_t old = *e;

	if (old == spte)
		return;
	if (reduces(old, spte))
		s->flush_needed = true;
	if (old & SPTE_P)
		rmap_del(s, node, old & SPTE_ADDR);
	*e = spte;
	if (spte & SPTE_P)
		rmap_add(s, node, spte & SPTE_ADDR);
}

void spte_clear(struct shadow *s, uint32_t sp_idx, unsigned i)
{
	uint32_t node = sp_idx * SHADOW_ENTRIES + i;
	uint64_t *e = entry_of(s, node);

	if (!(*e & SPTE_P)) {
		*e = 0;         /* an MMIO leaf or nothing: no rmap, no TLB entry */
		return;
	}
	rmap_del(s, node, *e & SPTE_ADDR);
	*e = 0;
	s->flush_needed = true;
}

void unlink_parents(struct shadow *s, uint32_t sp_idx)
{
	uint64_t hpa = sp_at(s, sp_idx)->table_hpa;

	for (uint32_t n = *rmap_bucket(s, hpa), next; n != SP_NONE; n = next) {
		next = link_of(s, n)->next;
		if ((*entry_of(s, n) & SPTE_ADDR) == hpa)
			spte_clear(s, n / SHADOW_ENTRIES, n % SHADOW_ENTRIES);
	}
}

void write_protect_gfn(struct shadow *s, uint64_t gfn)
{
	uint64_t hpa;
	unsigned perms;

	if (mmu_lookup(s->cfg.space, gfn << 12, &hpa, &perms))
		return;         /* not RAM: no leaf maps it */
	hpa &= SPTE_ADDR;
	for (uint32_t n = *rmap_bucket(s, hpa); n != SP_NONE; n = link_of(s, n)->next) {
		uint64_t *e = entry_of(s, n);
		if ((*e & SPTE_ADDR) == hpa && (*e & SPTE_RW)) {
			*e &= ~SPTE_RW;
			s->flush_needed = true;
		}
	}
}
