/*
 * Shadow roots: one per guest CR3, cached like every other shadow page, so
 * a guest that switches among processes finds each root again instead of
 * rebuilding it (shadow_cr3_write). Also the life cycle of struct shadow:
 * init, destroy, and the drop-all of shadow_reset.
 */
#include "mmu/guest_access.h"
#include "mmu/shadow_internal.h"
#include "abi/errno.h"
#include <stddef.h>

/* The bits that change how the guest translates (SDM Vol. 3 4.1.1). */
static bool same_mode(const struct shadow_paging *a, const struct shadow_paging *b)
{
	return !((a->cr0 ^ b->cr0) & (CR0_PG | CR0_WP)) &&
	       !((a->cr4 ^ b->cr4) & (CR4_PAE | CR4_PSE | CR4_LA57)) &&
	       !((a->efer ^ b->efer) & (EFER_LMA | EFER_NXE));
}

enum shadow_mode shadow_mode_of(const struct shadow_paging *p)
{
	if (!(p->cr0 & CR0_PG))
		return SHADOW_MODE_OFF;
	if (!(p->cr4 & CR4_PAE))
		return SHADOW_MODE_32;
	return (p->efer & EFER_LMA) ? SHADOW_MODE_LONG : SHADOW_MODE_PAE;
}

static void root_key(const struct shadow *s, uint64_t *gfn, union shadow_role *role)
{
	uint64_t cr3 = s->paging.cr3;

	*role = (union shadow_role){ .level = 3, .pdpt_root = 1 };
	switch (shadow_mode_of(&s->paging)) {
	case SHADOW_MODE_LONG:
		*role = (union shadow_role){ .level = 4 };
		*gfn = (cr3 & SPTE_ADDR) >> 12;
		break;
	case SHADOW_MODE_PAE:
		*gfn = cr3 & 0xffffffe0;
		break;
	case SHADOW_MODE_32:
		*gfn = cr3 & 0xfffff000;
		break;
	case SHADOW_MODE_OFF:
		*gfn = 0;
		break;
	}
}

/*
 * A cached PAE root may have been built from other PDPTE values than the
 * ones this CR3 load read: clear each entry that no longer points to the
 * shadow of the guest's PDPTE (the fault path links it again). Allocates
 * nothing.
 */
static void refresh_pae_root(struct shadow *s, uint32_t root)
{
	uint64_t *t = sp_table(s, sp_at(s, root));

	for (unsigned i = 0; i < 4; i++) {
		uint64_t gfn;
		union shadow_role role;
		uint32_t child = SP_NONE;

		if (root_child(s, i, &gfn, &role))
			child = sp_find(s, gfn, role);
		if (child == SP_NONE ||
		    t[i] != link_entry(s, sp_at(s, root), sp_at(s, child), 0))
			spte_clear(s, root, i);
	}
}

/* Finds or builds the root for s->paging; -EAGAIN when out of frames. */
int shadow_load_root(struct shadow *s)
{
	uint64_t gfn;
	union shadow_role role;

	root_key(s, &gfn, &role);
	uint32_t root = sp_get(s, gfn, role);
	if (root == SP_NONE)
		return -EAGAIN;
	if (shadow_mode_of(&s->paging) == SHADOW_MODE_PAE)
		refresh_pae_root(s, root);
	s->root_sp = root;
	s->root_hpa = sp_at(s, root)->table_hpa;
	return 0;
}

static int load_root_or_drop_all(struct shadow *s)
{
	if (shadow_load_root(s) == 0)
		return 0;
	shadow_drop_all(s);
	return shadow_load_root(s) ? -ENOMEM : 0;
}

/* The four PDPTEs as a CR3 load reads them; a PDPT outside RAM reads as
 * not present, like a guest table outside RAM (see shadow_fault). */
static int read_pdptes(const struct shadow *s, uint64_t cr3, uint64_t pdpte[4])
{
	uint64_t base = cr3 & 0xffffffe0, hpa;
	unsigned perms;

	for (unsigned i = 0; i < 4; i++) {
		pdpte[i] = 0;
		if (mmu_lookup(s->cfg.space, base + 8 * i, &hpa, &perms) == 0 &&
		    s->cfg.read_gpa(s->cfg.ctx, base + 8 * i, &pdpte[i], 8))
			pdpte[i] = 0;
		if (guest_pdpte_reserved(pdpte[i], s->cfg.maxphyaddr ? s->cfg.maxphyaddr : 36))
			return -EINVAL;
	}
	return 0;
}

int shadow_cr3_write(struct shadow *s, const struct shadow_paging *p)
{
	uint64_t pdpte[4] = { 0 };
	enum shadow_mode mode = shadow_mode_of(p);

	if (mode == SHADOW_MODE_LONG && (p->cr4 & CR4_LA57))
		return -EOPNOTSUPP;
	if (mode == SHADOW_MODE_PAE && read_pdptes(s, p->cr3, pdpte))
		return -EINVAL;
	if (s->paging_valid && !same_mode(&s->paging, p))
		shadow_drop_all(s);
	s->paging = *p;
	s->paging_valid = true;
	for (unsigned i = 0; i < 4; i++)
		s->pdpte[i] = pdpte[i];
	return load_root_or_drop_all(s);
}

int shadow_reset(struct shadow *s)
{
	shadow_drop_all(s);
	return s->paging_valid ? load_root_or_drop_all(s) : 0;
}

int shadow_init(struct shadow *s, const struct shadow_config *cfg)
{
	if (cfg->budget_frames < SHADOW_BUDGET_MIN ||
	    cfg->budget_frames > SHADOW_BUDGET_MAX || !cfg->space || !cfg->alloc ||
	    !cfg->read_gpa || !cfg->update_entry)
		return -EINVAL;
	*s = (struct shadow){ .cfg = *cfg, .root_sp = SP_NONE };
	int r = shadow_pages_init(s);
	if (r)
		shadow_pages_destroy(s);
	return r;
}

void shadow_destroy(struct shadow *s)
{
	shadow_pages_destroy(s);
	s->root_hpa = 0;
	s->root_sp = SP_NONE;
	s->paging_valid = false;
}
