/*
 * Shadow pages: their records, their frames, the cache that finds them by
 * (gfn, role), and the per-VM budget (see mmu/shadow_internal.h).
 *
 * A shadow table is never freed on its own: entries that pointed to it are
 * cleared (mmu/shadow_sync.c) and the table stays cached, still mirrored
 * and write-protected, until the budget runs out; then everything is
 * dropped at once (shadow_drop_all) and rebuilt on demand. This is what
 * bounds a hostile guest: it can make the VM slow, never make the
 * hypervisor hold more than budget_frames.
 */
#include "mmu/shadow_internal.h"
#include "abi/errno.h"
#include <stddef.h>

void *shadow_virt(const struct shadow *s, uint64_t hpa)
{
	return s->cfg.alloc->virt(s->cfg.alloc->ctx, hpa);
}

struct shadow_page *sp_at(const struct shadow *s, uint32_t idx)
{
	struct shadow_page *frame = shadow_virt(s, s->meta_hpa[idx / SP_PER_META_FRAME]);

	return frame + idx % SP_PER_META_FRAME;
}

uint64_t *sp_table(const struct shadow *s, const struct shadow_page *sp)
{
	return shadow_virt(s, sp->table_hpa);
}

static int frame_alloc(struct shadow *s, bool below_4g, uint64_t *pa)
{
	const struct mmu_alloc *a = s->cfg.alloc;
	int r;

	if (below_4g && a->alloc_page_below_4g)
		r = a->alloc_page_below_4g(a->ctx, pa);
	else
		r = a->alloc_page(a->ctx, pa);
	if (r)
		return -ENOMEM;
	if (below_4g && *pa >= (1ULL << 32)) {
		a->free_page(a->ctx, *pa);
		return -ENOMEM;
	}
	s->frames++;
	return 0;
}

static void frame_free(struct shadow *s, uint64_t pa)
{
	s->cfg.alloc->free_page(s->cfg.alloc->ctx, pa);
	s->frames--;
}

static uint32_t hash_index(uint64_t key)
{
	return (uint32_t)((key * 0x9e3779b97f4a7c15ULL) >> 54) % HASH_BUCKETS;
}

uint32_t *sp_hash_bucket(const struct shadow *s, uint64_t gfn)
{
	uint32_t *heads = shadow_virt(s, s->sp_hash_hpa);

	return &heads[hash_index(gfn)];
}

static uint32_t *table_hash_bucket(const struct shadow *s, uint64_t hpa)
{
	uint32_t *heads = shadow_virt(s, s->table_hash_hpa);

	return &heads[hash_index(hpa >> 12)];
}

uint32_t sp_by_table(const struct shadow *s, uint64_t hpa)
{
	for (uint32_t i = *table_hash_bucket(s, hpa); i != SP_NONE; i = sp_at(s, i)->hpa_next)
		if (sp_at(s, i)->table_hpa == hpa)
			return i;
	return SP_NONE;
}

bool sp_is_guest_table(const struct shadow_page *sp)
{
	return !sp->role.direct && !sp->role.pdpt_root;
}

uint32_t sp_find(const struct shadow *s, uint64_t gfn, union shadow_role role)
{
	for (uint32_t i = *sp_hash_bucket(s, gfn); i != SP_NONE; i = sp_at(s, i)->hash_next) {
		const struct shadow_page *sp = sp_at(s, i);
		if (sp->gfn == gfn && sp->role.word == role.word)
			return i;
	}
	return SP_NONE;
}

bool gfn_is_guest_table(const struct shadow *s, uint64_t gfn)
{
	for (uint32_t i = *sp_hash_bucket(s, gfn); i != SP_NONE; i = sp_at(s, i)->hash_next) {
		const struct shadow_page *sp = sp_at(s, i);
		if (sp->gfn == gfn && sp_is_guest_table(sp))
			return true;
	}
	return false;
}

/* Takes a free record and the frames a page of this role needs. */
static uint32_t sp_new(struct shadow *s, uint64_t gfn, union shadow_role role)
{
	const unsigned need = 2;        /* the table and its reverse map */
	uint32_t idx = s->free_sp;
	struct shadow_page *sp;

	if (idx == SP_NONE || s->budget_used + need > s->cfg.budget_frames)
		return SP_NONE;
	sp = sp_at(s, idx);
	if (frame_alloc(s, role.pdpt_root, &sp->table_hpa))
		return SP_NONE;
	if (frame_alloc(s, false, &sp->rmap_hpa)) {
		frame_free(s, sp->table_hpa);
		return SP_NONE;
	}
	s->free_sp = sp->hash_next;
	s->budget_used += need;
	s->npages++;
	sp->gfn = gfn;
	sp->role = role;
	sp->writes = 0;
	return idx;
}

uint32_t sp_get(struct shadow *s, uint64_t gfn, union shadow_role role)
{
	uint32_t idx = sp_find(s, gfn, role);

	if (idx != SP_NONE)
		return idx;
	idx = sp_new(s, gfn, role);
	if (idx == SP_NONE)
		return SP_NONE;
	struct shadow_page *sp = sp_at(s, idx);
	/* A gfn that becomes a guest table loses every writable leaf that
	 * maps it before its first shadow is used. */
	bool protect = sp_is_guest_table(sp) && !gfn_is_guest_table(s, gfn);
	uint32_t *head = sp_hash_bucket(s, gfn);
	sp->hash_next = *head;
	*head = idx;
	head = table_hash_bucket(s, sp->table_hpa);
	sp->hpa_next = *head;
	*head = idx;
	if (protect)
		write_protect_gfn(s, gfn);
	return idx;
}

/* Takes idx out of the chain that starts at *head and follows 'next_of'. */
static void chain_remove(struct shadow *s, uint32_t *head, uint32_t idx, bool by_table)
{
	for (uint32_t *p = head; *p != SP_NONE;) {
		struct shadow_page *sp = sp_at(s, *p);
		uint32_t *next = by_table ? &sp->hpa_next : &sp->hash_next;
		if (*p == idx) {
			*p = *next;
			return;
		}
		p = next;
	}
}

void sp_free(struct shadow *s, uint32_t idx)
{
	struct shadow_page *sp = sp_at(s, idx);

	unlink_parents(s, idx);
	/* most entries of a freed table are empty: test them in the table
	 * itself rather than look the table up again for each of the 512
	 * (MMIO leaves included, though they hold nothing to unlink) */
	const uint64_t *table = sp_table(s, sp);
	for (unsigned i = 0; i < SHADOW_ENTRIES; i++)
		if (table[i])
			spte_clear(s, idx, i);
	chain_remove(s, sp_hash_bucket(s, sp->gfn), idx, false);
	chain_remove(s, table_hash_bucket(s, sp->table_hpa), idx, true);
	frame_free(s, sp->table_hpa);
	frame_free(s, sp->rmap_hpa);
	s->budget_used -= 2;
	s->npages--;
	*sp = (struct shadow_page){ .hash_next = s->free_sp };
	s->free_sp = idx;
}

static void records_init(struct shadow *s)
{
	uint32_t *heads = shadow_virt(s, s->sp_hash_hpa);
	uint32_t *by_table = shadow_virt(s, s->table_hash_hpa);

	for (unsigned i = 0; i < HASH_BUCKETS; i++)
		heads[i] = by_table[i] = SP_NONE;
	s->free_sp = SP_NONE;
	for (uint32_t i = s->capacity; i-- > 0;) {
		struct shadow_page *sp = sp_at(s, i);
		*sp = (struct shadow_page){ .hash_next = s->free_sp };
		s->free_sp = i;
	}
	rmap_init(s);
}

void shadow_drop_all(struct shadow *s)
{
	for (uint32_t i = 0; i < s->capacity; i++) {
		struct shadow_page *sp = sp_at(s, i);
		if (!sp->role.word)
			continue;
		frame_free(s, sp->table_hpa);
		frame_free(s, sp->rmap_hpa);
	}
	records_init(s);
	s->budget_used = 0;
	s->npages = 0;
	s->root_sp = SP_NONE;
	s->root_hpa = 0;
	s->flush_needed = true;
	s->nresets++;
}

int shadow_pages_init(struct shadow *s)
{
	s->capacity = s->cfg.budget_frames;
	s->nmeta = (s->capacity + SP_PER_META_FRAME - 1) / SP_PER_META_FRAME;
	for (unsigned i = 0; i < s->nmeta; i++) {
		if (frame_alloc(s, false, &s->meta_hpa[i])) {
			s->nmeta = i;
			return -ENOMEM;
		}
	}
	if (frame_alloc(s, false, &s->sp_hash_hpa))
		return -ENOMEM;
	if (frame_alloc(s, false, &s->table_hash_hpa))
		return -ENOMEM;
	if (frame_alloc(s, false, &s->rmap_hash_hpa))
		return -ENOMEM;
	records_init(s);
	s->root_sp = SP_NONE;
	return 0;
}

/* Also after a failed shadow_pages_init: frees what it took. */
void shadow_pages_destroy(struct shadow *s)
{
	if (s->sp_hash_hpa && s->table_hash_hpa && s->rmap_hash_hpa)
		shadow_drop_all(s);
	for (unsigned i = 0; i < s->nmeta; i++)
		frame_free(s, s->meta_hpa[i]);
	s->nmeta = 0;
	if (s->sp_hash_hpa)
		frame_free(s, s->sp_hash_hpa);
	if (s->table_hash_hpa)
		frame_free(s, s->table_hash_hpa);
	if (s->rmap_hash_hpa)
		frame_free(s, s->rmap_hash_hpa);
	s->sp_hash_hpa = s->table_hash_hpa = s->rmap_hash_hpa = 0;
}
