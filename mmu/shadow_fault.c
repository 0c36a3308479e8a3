/*
 * The shadow page fault: walk the guest's tables as the CPU would
 * (mmu/guest_access.c sets the accessed and dirty bits), translate the gpa
 * through the VM's map, and install the shadow path for the gva from the
 * root down, one shadow entry per guest entry (see mmu/shadow.h). Runs on
 * the exit path of a #PF intercept.
 */
#include "mmu/shadow_internal.h"
#include "mmu/guest_access.h"
#include "abi/errno.h"

/* PAE: where the walk finds the PDPTEs (not re-read from memory). */
static uint64_t pdpt_base(const struct shadow *s)
{
	return s->paging.cr3 & 0xffffffe0;
}

/*
 * Guest-physical reads for the walk. A guest table must be RAM: the walk
 * is refused (-EFAULT, made a not-present #PF by shadow_fault) for a table
 * in MMIO or outside every slot. In PAE mode the walk's first read is the
 * PDPTE (guest_walk records entries root first), which the CPU takes from
 * the PDPTE registers loaded with CR3, not from memory (SDM Vol. 3 4.4.1).
 */
static int walk_read(void *ctx, uint64_t gpa, void *buf, unsigned len)
{
	struct shadow *s = ctx;
	uint64_t hpa;
	unsigned perms;

	if (s->pdpte_from_regs) {
		s->pdpte_from_regs = false;
		uint64_t i = (gpa - pdpt_base(s)) / 8;
		if (i < 4 && len == 8) {
			*(uint64_t *)buf = s->pdpte[i];
			return 0;
		}
	}
	if (mmu_lookup(s->cfg.space, gpa, &hpa, &perms))
		return -EFAULT;
	return s->cfg.read_gpa(s->cfg.ctx, gpa, buf, len);
}

/* A changed entry makes guest_access walk again, from the PDPTE. */
static int walk_update(void *ctx, uint64_t gpa, uint64_t old, uint64_t new,
		       unsigned len)
{
	struct shadow *s = ctx;
	int r = s->cfg.update_entry(s->cfg.ctx, gpa, old, new, len);

	if (r == 1)
		s->pdpte_from_regs = shadow_mode_of(&s->paging) == SHADOW_MODE_PAE;
	return r;
}

/* The error code of a fault with no entry present (SDM Vol. 3 4.7). */
static uint32_t not_present_code(const struct shadow *s, unsigned acc)
{
	const struct shadow_paging *p = &s->paging;
	bool id = (acc & GUEST_ACC_FETCH) &&
		  ((p->cr4 & (1ULL << 20)) ||   /* SMEP */
		   ((p->cr4 & CR4_PAE) && (p->efer & EFER_NXE)));

	return (acc & GUEST_ACC_WRITE ? PF_ERR_W : 0) |
	       (acc & GUEST_ACC_USER ? PF_ERR_U : 0) | (id ? PF_ERR_I : 0);
}

static unsigned top_level(const struct shadow *s)
{
	return shadow_mode_of(&s->paging) == SHADOW_MODE_LONG ? 4 : 3;
}

unsigned shadow_index(const struct shadow *s, uint64_t gva, unsigned level)
{
	if (level == 3 && top_level(s) == 3)
		return (gva >> 30) & 3;         /* the PDPT */
	return (gva >> (12 + 9 * (level - 1))) & (SHADOW_ENTRIES - 1);
}

/* The guest entry that the entries of a guest-table shadow at 'level'
 * mirror, as the access left it (accessed; dirty if the leaf and written). */
static uint64_t guest_entry(const struct shadow *s, const struct guest_translation *t,
			    unsigned level, bool write)
{
	unsigned i = 0;

	switch (shadow_mode_of(&s->paging)) {
	case SHADOW_MODE_LONG: i = 4 - level; break;
	case SHADOW_MODE_PAE:  i = 3 - level; break;
	default:               i = 2 - level; break;
	}
	uint64_t e = t->entry_val[i] | SPTE_A;
	if (write && i + 1 == t->nentries)
		e |= SPTE_D;
	return e;
}

static bool guest_large(const struct shadow *s, uint64_t e, unsigned level)
{
	if (!(e & SPTE_PS) || level == 1)
		return false;
	switch (shadow_mode_of(&s->paging)) {
	case SHADOW_MODE_LONG: return level <= 3;
	case SHADOW_MODE_PAE:  return level == 2;
	case SHADOW_MODE_32:   return level == 2 && (s->paging.cr4 & CR4_PSE);
	default:               return false;
	}
}

/* The R/W, U/S and NX a shadow entry copies from its guest entry; a large
 * page is writable only once dirty, so the first write sets D. */
static uint64_t guest_rights(const struct shadow *s, uint64_t e, bool large_or_leaf)
{
	uint64_t r = e & (SPTE_RW | SPTE_US);

	if ((e & SPTE_NX) && (s->paging.efer & EFER_NXE))
		r |= SPTE_NX;
	if (large_or_leaf && !(e & SPTE_D))
		r &= ~SPTE_RW;
	return r;
}

bool root_child(const struct shadow *s, unsigned i, uint64_t *gfn,
		union shadow_role *role)
{
	switch (shadow_mode_of(&s->paging)) {
	case SHADOW_MODE_OFF:   /* identity: 1 GiB per PDPTE */
		*role = (union shadow_role){ .level = 2, .direct = 1 };
		*gfn = (uint64_t)i << 18;
		return true;
	case SHADOW_MODE_32:    /* the guest's PD, a quarter per PDPTE */
		*role = (union shadow_role){ .level = 2, .quadrant = i & 3 };
		*gfn = (s->paging.cr3 & 0xfffff000) >> 12;
		return true;
	case SHADOW_MODE_PAE:
		*role = (union shadow_role){ .level = 2 };
		*gfn = (s->pdpte[i] & SPTE_ADDR) >> 12;
		return s->pdpte[i] & SPTE_P;
	default:
		return false;
	}
}

/* A PAE PDPTE holds P and the address only (its other bits are
 * reserved, SDM Vol. 3 Table 4-8); other links also carry rights. */
uint64_t link_entry(const struct shadow *s, const struct shadow_page *parent,
		    const struct shadow_page *child, uint64_t rights)
{
	(void)s;
	if (parent->role.pdpt_root)
		return child->table_hpa | SPTE_P;
	return child->table_hpa | SPTE_P | SPTE_A | rights;
}

struct link {
	uint64_t gfn;
	union shadow_role role;
	uint64_t rights;
};

/* What entry i of 'parent' (at 'level' > 1) must point to for gva. */
static bool child_of(const struct shadow *s, const struct shadow_page *parent,
		     unsigned level, unsigned i, uint64_t gva,
		     const struct guest_translation *t, bool write, struct link *l)
{
	l->rights = SPTE_RW | SPTE_US;
	if (parent->role.pdpt_root)
		return root_child(s, i, &l->gfn, &l->role);
	if (parent->role.direct) {
		l->role = (union shadow_role){ .level = level - 1, .direct = 1 };
		l->gfn = parent->gfn + ((uint64_t)i << (9 * (level - 1)));
		return true;
	}
	uint64_t e = guest_entry(s, t, level, write);
	if (guest_large(s, e, level)) {
		/* the part of the large page this shadow entry spans */
		uint64_t span = 1ULL << (9 * (level - 1));
		l->role = (union shadow_role){ .level = level - 1, .direct = 1 };
		l->gfn = (t->gpa >> 12) & ~(span - 1);
		l->rights = guest_rights(s, e, true);
		return true;
	}
	l->role = (union shadow_role){ .level = level - 1 };
	if (shadow_mode_of(&s->paging) == SHADOW_MODE_32) {
		l->gfn = (e & 0xfffff000) >> 12;
		l->role.quadrant = (gva >> 21) & 1;     /* which half of the PT */
	} else {
		l->gfn = (e & SPTE_ADDR) >> 12;
	}
	l->rights = guest_rights(s, e, false);
	return true;
}

static uint64_t leaf_entry(const struct shadow *s, const struct shadow_page *sp,
			   const struct guest_translation *t, bool write,
			   uint64_t hpa, unsigned perms)
{
	uint64_t rights = SPTE_RW | SPTE_US;

	if (!sp->role.direct)
		rights = guest_rights(s, guest_entry(s, t, 1, write), true);
	if (!(perms & MMU_WRITE) || gfn_is_guest_table(s, t->gpa >> 12))
		rights &= ~SPTE_RW;
	return (hpa & SPTE_ADDR) | SPTE_P | SPTE_A | SPTE_D | rights;
}

/* The MMIO leaf for a gpa outside every slot (shadow_internal.h). */
static uint64_t mmio_leaf(const struct shadow *s, const struct shadow_page *sp,
			  const struct guest_translation *t, bool write)
{
	uint64_t rights = SPTE_RW | SPTE_US | SPTE_D;

	if (!sp->role.direct) {
		uint64_t e = guest_entry(s, t, 1, write);
		rights = guest_rights(s, e, false) | (e & SPTE_D);
	}
	return (t->gpa & SPTE_ADDR) | SPTE_MMIO | rights;
}

/* Links the shadow path for gva down to its leaf, a mapping of hpa or,
 * with mmio, an MMIO leaf; -EAGAIN when out of frames (shadow_fault drops
 * everything and starts again). */
static int install(struct shadow *s, uint64_t gva, const struct guest_translation *t,
		   bool write, uint64_t hpa, unsigned perms, bool mmio)
{
	uint32_t sp = s->root_sp;

	for (unsigned level = top_level(s); level > 1; level--) {
		struct shadow_page *parent = sp_at(s, sp);
		unsigned i = shadow_index(s, gva, level);
		struct link l;

		if (!child_of(s, parent, level, i, gva, t, write, &l))
			return 0;       /* cannot happen after a good walk */
		uint32_t child = sp_get(s, l.gfn, l.role);
		if (child == SP_NONE)
			return -EAGAIN;
		parent->writes = 0;     /* in use: not a flood (shadow_sync.c) */
		entry_set(s, sp, i, link_entry(s, parent, sp_at(s, child), l.rights));
		sp = child;
	}
	sp_at(s, sp)->writes = 0;
	entry_set(s, sp, shadow_index(s, gva, 1),
		  mmio ? mmio_leaf(s, sp_at(s, sp), t, write)
		       : leaf_entry(s, sp_at(s, sp), t, write, hpa, perms));
	return 0;
}

/*
 * Whether the shadow path down to an MMIO leaf grants the access, as the
 * guest's own walk would (SDM Vol. 3 4.6, APM Vol. 2 5.6): the path mirrors
 * the guest's current entries, accessed, so the walk could only end at the
 * same gpa. Anything this does not decide simply (a write before the leaf
 * is dirty or under CR0.WP=0, a supervisor access to a user page with SMEP
 * or SMAP on, an NX page) takes the full walk, which answers exactly.
 */
static bool mmio_path_grants(const struct shadow *s, uint64_t rights, bool nx,
			     uint64_t leaf, unsigned acc)
{
	const uint64_t smep_smap = (1ULL << 20) | (1ULL << 21);

	if ((acc & GUEST_ACC_USER) && !(rights & SPTE_US))
		return false;
	if ((acc & GUEST_ACC_WRITE) && (!(rights & SPTE_RW) || !(leaf & SPTE_D)))
		return false;
	if ((acc & GUEST_ACC_FETCH) && nx)
		return false;
	return (acc & GUEST_ACC_USER) || !(rights & SPTE_US) ||
	       !(s->paging.cr4 & smep_smap);
}

/*
 * The fast path of an access to MMIO: the shadow path for gva ends at an
 * MMIO leaf that grants the access. Returns the leaf, or 0 (take the walk).
 * Reads only the shadow tables, as the hardware walked them (every #PF
 * pays for this: it stays a short loop over the tables, from root_hpa).
 */
static uint64_t mmio_hit(const struct shadow *s, uint64_t gva, unsigned acc)
{
	const struct mmu_alloc *a = s->cfg.alloc;
	uint64_t e = s->root_hpa, rights = SPTE_RW | SPTE_US;
	unsigned level = 4;
	bool nx = false;

	if (shadow_mode_of(&s->paging) != SHADOW_MODE_LONG) {
		/* a PAE-format root: its entries carry no rights (SDM Vol. 3
		 * Table 4-8) */
		e = ((const uint64_t *)a->virt(a->ctx, e & SPTE_ADDR))[(gva >> 30) & 3];
		if (!(e & SPTE_P))
			return 0;
		level = 2;
	}
	for (;; level--) {
		e = ((const uint64_t *)a->virt(a->ctx, e & SPTE_ADDR))
			[(gva >> (3 + 9 * level)) & (SHADOW_ENTRIES - 1)];
		if (level == 1)
			break;
		if (!(e & SPTE_P))
			return 0;
		rights &= e;
		nx |= e & SPTE_NX;
	}
	if ((e & (SPTE_MMIO | SPTE_P)) != SPTE_MMIO)
		return 0;
	rights &= e;
	nx |= e & SPTE_NX;
	return mmio_path_grants(s, rights, nx, e, acc) ? e : 0;
}

static int fault_once(struct shadow *s, uint64_t gva, unsigned acc, bool rflags_ac,
		      struct shadow_fault_info *info)
{
	const struct guest_paging p = {
		.cr0 = s->paging.cr0, .cr3 = s->paging.cr3, .cr4 = s->paging.cr4,
		.efer = s->paging.efer, .read_gpa = walk_read, .ctx = s,
	};
	const struct guest_access_cpu cpu = {
		.rflags_ac = rflags_ac, .pdpe1gb = s->cfg.pdpe1gb,
		.maxphyaddr = s->cfg.maxphyaddr, .update_entry = walk_update,
	};
	struct guest_translation t;
	uint32_t code = 0;
	uint64_t hpa;
	unsigned perms;
	bool write = acc & GUEST_ACC_WRITE;

	s->pdpte_from_regs = shadow_mode_of(&s->paging) == SHADOW_MODE_PAE;
	int r = guest_access(&p, &cpu, gva, acc, &t, &code);
	s->pdpte_from_regs = false;
	if (r == -EFAULT) {     /* a table outside RAM: see shadow.h */
		info->error_code = not_present_code(s, acc);
		return SHADOW_GUEST_PF;
	}
	if (r < 0)
		return r;
	if (r == GUEST_ACCESS_FAULT) {
		info->error_code = code;
		return SHADOW_GUEST_PF;
	}
	info->gpa = t.gpa;
	if (mmu_lookup(s->cfg.space, t.gpa & ~0xfffULL, &hpa, &perms)) {
		/* out of frames: no MMIO leaf this time, which costs only speed */
		install(s, gva, &t, write, 0, 0, true);
		return SHADOW_MMIO;
	}
	if (write && !(perms & MMU_WRITE))
		return SHADOW_DIRTY_LOG;
	r = install(s, gva, &t, write, hpa, perms, false);
	if (r)
		return r;
	if (write && gfn_is_guest_table(s, t.gpa >> 12))
		return SHADOW_PT_WRITE;
	if (write && !t.writable && !(acc & GUEST_ACC_USER))
		return SHADOW_WP0_WRITE;        /* guest_access allowed it: WP=0 */
	return SHADOW_FIXED;
}

int shadow_fault(struct shadow *s, uint64_t gva, unsigned acc, bool rflags_ac,
		 bool present, struct shadow_fault_info *info)
{
	if (!s->paging_valid || s->root_sp == SP_NONE)
		return -EINVAL;
	if (shadow_mode_of(&s->paging) != SHADOW_MODE_LONG)
		gva &= 0xffffffff;
	*info = (struct shadow_fault_info){ 0 };
	uint64_t mmio = present ? 0 : mmio_hit(s, gva, acc);
	if (mmio) {
		info->gpa = (mmio & SPTE_ADDR) | (gva & 0xfff);
		return SHADOW_MMIO;
	}
	int r = fault_once(s, gva, acc, rflags_ac, info);
	if (r != -EAGAIN)
		return r;
	/* Out of frames: drop everything, then this fault alone fits. */
	shadow_drop_all(s);
	if (shadow_load_root(s))
		return -ENOMEM;
	r = fault_once(s, gva, acc, rflags_ac, info);
	return r == -EAGAIN ? -ENOMEM : r;
}
