/*
 * `fuzz SEED COUNT`: COUNT random requests to the hypervisor (issue 11's
 * request fuzzer, docs/control-partition.md). Random handles, request
 * numbers (kvm.h's, the same with wrong sizes, garbage), mailbox contents,
 * SET_REGS/SET_SREGS/SET_MSRS values, slot create/move/delete churn with
 * dirty logging toggled, dirty-log reads, window mappings, raw hypercalls,
 * and runs of the vCPUs it made. At the end it closes everything it
 * created and prints how many requests returned what, and the hypervisor's
 * free frames before and after: they must be equal, and the hypervisor
 * must not have faulted (it would have stopped with a dump).
 *
 * Every run must end: nothing can stop a KVM_RUN that does not exit (the
 * preemption tick returns -EINTR only with console input). So every run
 * starts from a state the fuzzer sets (real mode, IF = 1, the random
 * SET_REGS/SET_SREGS/SET_MSRS requests in between notwithstanding), and
 * guest memory only ever holds zeros, HLT bytes and what the fuzzer writes:
 * an IVT whose vectors all go to "HLT; IRET", and short programs of single
 * instructions that neither jump nor move the IVT, followed by a HLT sled.
 * None of it loops. (Runs from a random register state did not always end:
 * see docs/control-partition.md, `fuzz`.) A run is single-stepped half of
 * the time and stops after RUN_STEPS KVM_RUNs.
 *
 * It only aims at its own handles (and numbers that are nobody's): it
 * refuses to start while the CLI has VMs. Control partition only.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "abi/hypercall.h"
#include "guests/ctl/cli.h"
#include "guests/ctl/ctl.h"
#include "guests/ctl/kvm_client.h"
#include "guests/ctl/vmm.h"

#define FUZZ_MAX_COUNT   100000000ULL
#define MAX_HANDLES      64
#define MAX_LIVE_VMS     4
#define RUN_STEPS        8
#define SLED_BYTES       320     /* > 256 queued vectors, one HLT each */
#define GUEST_RAM        0x20000 /* what a run needs mapped at gpa 0 */
#define HANDLER_GPA      0x500   /* HLT; IRET: every vector goes here */
#define CODE_SEG         0x100   /* programs at 0x1000 */
#define DATA_SEG         0x1000  /* DS/ES/SS/GS base 0x10000: writes stay
				  * clear of the IVT, handler and code */
#define ERRNO_CLASSES    134
#define BITMAP_BYTES     (32 * 1024)     /* dirty bitmap of a 1 GiB slot */
#define HANDLE_NUMBERS   300             /* a little beyond the table */

enum handle_kind { H_FREE, H_VM, H_VCPU };

struct fz_handle {
	enum handle_kind kind;
	int fd;
	int vm;                 /* a vCPU's VM handle */
};

struct fuzz {
	uint64_t rng;
	uint64_t requests, ok, positive, other, errs[ERRNO_CLASSES];
	struct fz_handle h[MAX_HANDLES];
	bool have_reset;
	struct kvm_sregs reset_sregs;   /* a new vCPU's, for runs */
	uint64_t runs, run_exits[10], eintr, run_errors;
	bool trace;                     /* `fuzz SEED COUNT trace` */
};

static struct fuzz fz;
static uint64_t bitmap[BITMAP_BYTES / 8];

/* ---- randomness ---------------------------------------------------------- */

static uint64_t rnd(void)             /* xorshift64* */
{
	fz.rng ^= fz.rng >> 12;
	fz.rng ^= fz.rng << 25;
	fz.rng ^= fz.rng >> 27;
	return fz.rng * 0x2545f4914f6cdd1dULL;
}

static uint64_t below(uint64_t n) { return n ? rnd() % n : 0; }
static bool chance(unsigned percent) { return below(100) < percent; }

static void fill_random(void *p, size_t n)
{
	uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)rnd();
}

/* Values that find edges more often than uniform ones do. */
static uint64_t interesting(void)
{
	static const uint64_t v[] = {
		0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0xfff, 0x1000, 0xffff, 0x10000,
		0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ULL,
		0x7fffffffffffffffULL, 0x8000000000000000ULL, ~0ULL, ~0ULL - 0xfff,
		0x0000800000000000ULL, 0xffff800000000000ULL, 0x00007ffffffff000ULL,
		1ULL << 48, 1ULL << 52, 0xfee00000, 0xfee00900, 0x200000, 0x40000000,
	};

	switch (below(5)) {
	case 0:
		return v[below(sizeof(v) / sizeof(v[0]))];
	case 1:
		return v[below(sizeof(v) / sizeof(v[0]))] + below(3) - 1;
	case 2:
		return rnd() & ((1ULL << below(64)) - 1);
	default:
		return rnd();
	}
}

/* ---- request accounting -------------------------------------------------- */

static long count(long r)
{
	fz.requests++;
	if (r == 0)
		fz.ok++;
	else if (r > 0)
		fz.positive++;
	else if (-r < ERRNO_CLASSES)
		fz.errs[-r]++;
	else
		fz.other++;
	return r;
}

/* ---- handles ------------------------------------------------------------- */

static struct fz_handle *find_handle(int fd)
{
	for (int i = 0; i < MAX_HANDLES; i++)
		if (fz.h[i].kind != H_FREE && fz.h[i].fd == fd)
			return &fz.h[i];
	return NULL;
}

/* A handle the hypervisor just gave us (a reused number replaces what we
 * thought it was). False if there is no room: the caller closes it. */
static bool note_handle(int fd, enum handle_kind kind, int vm)
{
	struct fz_handle *h = find_handle(fd);

	for (int i = 0; !h && i < MAX_HANDLES; i++)
		if (fz.h[i].kind == H_FREE)
			h = &fz.h[i];
	if (!h)
		return false;
	*h = (struct fz_handle){ kind, fd, vm };
	return true;
}

static int live(enum handle_kind kind)
{
	int n = 0;

	for (int i = 0; i < MAX_HANDLES; i++)
		n += fz.h[i].kind == kind;
	return n;
}

/* A random live handle of that kind, or -1. */
static int pick(enum handle_kind kind)
{
	int n = live(kind);

	if (!n)
		return -1;
	int k = (int)below((uint64_t)n);
	for (int i = 0; i < MAX_HANDLES; i++)
		if (fz.h[i].kind == kind && k-- == 0)
			return fz.h[i].fd;
	return -1;
}

/* Mostly ours; sometimes the system handle or a number nobody holds. */
static uint64_t random_handle(void)
{
	switch (below(10)) {
	case 0:
		return 0;
	case 1:
		return below(HANDLE_NUMBERS);
	case 2:
		return interesting();
	case 3: case 4: case 5:
		return (uint64_t)(long)pick(H_VCPU);
	default:
		return (uint64_t)(long)pick(H_VM);
	}
}

static void closed(int fd)
{
	struct fz_handle *h = find_handle(fd);

	if (h)          /* a closed VM lives on in its vCPU, closed at the end */
		h->kind = H_FREE;
}

/* ---- typed requests ------------------------------------------------------ */

static int create_vm(void)
{
	if (live(H_VM) >= MAX_LIVE_VMS)
		return -1;
	int fd = (int)count(kvm_create_vm());
	if (fd < 0)
		return -1;
	if (!note_handle(fd, H_VM, -1)) {
		count(kvm_close(fd));
		return -1;
	}
	if (chance(80)) {
		int v = (int)count(kvm_create_vcpu(fd, chance(90) ? 0 : (int)interesting()));
		if (v >= 0 && !note_handle(v, H_VCPU, fd))
			count(kvm_close(v));
		if (v >= 0 && !fz.have_reset && count(kvm_get_sregs(v, &fz.reset_sregs)) == 0)
			fz.have_reset = true;
	}
	return fd;
}

static uint64_t random_size(void)
{
	switch (below(20)) {
	case 0:
		return 0;                               /* delete */
	case 1:
		return interesting();                   /* misaligned, huge */
	case 2: case 3:
		return (1 + below(512)) << 12;          /* up to 2 MiB */
	case 4:
		return (1 + below(4096)) << 12;         /* up to 16 MiB */
	default:
		return (1 + below(16)) << 12;
	}
}

static uint64_t random_gpa(void)
{
	switch (below(8)) {
	case 0:
		return interesting();
	case 1:
		return below(1ULL << 36) << 12;
	case 2:
		return 0;
	default:
		return below(64) << 16;                 /* overlaps likely */
	}
}

/* Slot create/move/delete, logging on or off. Sizes beyond 1 GiB stay
 * rare: the hypervisor zeroes what it allocates before it can fail. */
static void slot_churn(int vm)
{
	uint32_t slot = chance(90) ? (uint32_t)below(8) : (uint32_t)interesting();
	uint64_t size = random_size(), gpa = random_gpa();
	uint32_t flags = chance(40) ? KVM_MEM_LOG_DIRTY_PAGES : 0;

	if (chance(5))
		flags = (uint32_t)rnd();
	if (size > (1ULL << 30) && !chance(1))
		size &= (1ULL << 24) - 1;
	count(kvm_set_memory_region(vm, slot, gpa, size, flags));
}

static void dirty_log(int vm)
{
	uint32_t slot = chance(90) ? (uint32_t)below(8) : (uint32_t)interesting();

	count(kvm_get_dirty_log(vm, slot, bitmap));
}

/* Map part of a VM into the window; write HLTs there right away (what
 * is mapped now stays mapped until the next slot request). */
static void map_some(int vm)
{
	uint64_t gpa = chance(50) ? below(64) << 12 : random_gpa();
	uint64_t size = chance(80) ? (1 + below(16)) << 12 : interesting();
	uint8_t *p = kvm_mmap(vm, gpa, size);

	count(p ? 0 : -kvm_last_error());
	if (p && chance(30))
		memset(p, 0xf4, size < 0x4000 ? size : 0x4000);
}

static void random_segment(struct kvm_segment *s)
{
	if (chance(50)) {
		fill_random(s, sizeof(*s));
		return;
	}
	s->base = chance(50) ? s->base : interesting();
	s->limit = chance(50) ? s->limit : (uint32_t)interesting();
	s->selector = chance(50) ? s->selector : (uint16_t)rnd();
	s->type = chance(70) ? s->type : (uint8_t)below(16);
	s->present = chance(80) ? s->present : (uint8_t)below(3);
	s->dpl = chance(80) ? s->dpl : (uint8_t)below(4);
	s->db = chance(80) ? s->db : (uint8_t)below(2);
	s->s = chance(80) ? s->s : (uint8_t)below(2);
	s->l = chance(80) ? s->l : (uint8_t)below(2);
	s->g = chance(80) ? s->g : (uint8_t)below(2);
	s->unusable = chance(80) ? s->unusable : (uint8_t)below(2);
}

static void set_sregs(int vcpu)
{
	struct kvm_sregs s;

	if (chance(20) || count(kvm_get_sregs(vcpu, &s)) < 0)
		fill_random(&s, sizeof(s));
	struct kvm_segment *segs[] = { &s.cs, &s.ds, &s.es, &s.fs, &s.gs, &s.ss, &s.tr, &s.ldt };
	for (unsigned i = 0, n = (unsigned)below(4); i < n; i++)
		random_segment(segs[below(8)]);
	uint64_t *regs[] = { &s.cr0, &s.cr2, &s.cr3, &s.cr4, &s.cr8, &s.efer, &s.apic_base,
			     &s.gdt.base, &s.idt.base };
	for (unsigned i = 0, n = (unsigned)below(4); i < n; i++) {
		uint64_t *r = regs[below(9)];
		*r = chance(50) ? *r ^ (1ULL << below(64)) : interesting();
	}
	if (chance(20))
		fill_random(s.interrupt_bitmap, sizeof(s.interrupt_bitmap));
	count(kvm_set_sregs(vcpu, &s));
}

static void set_regs(int vcpu)
{
	struct kvm_regs r;

	if (chance(30) || count(kvm_get_regs(vcpu, &r)) < 0)
		fill_random(&r, sizeof(r));
	uint64_t *f = (uint64_t *)&r;
	for (unsigned i = 0, n = (unsigned)below(4); i < n; i++)
		f[below(18)] = interesting();
	count(kvm_set_regs(vcpu, &r));
}

static uint32_t random_msr(void)
{
	static const uint32_t msrs[] = {
		0x10, 0x1b, 0x3a, 0x48, 0x49, 0x8b, 0xfe, 0x174, 0x175, 0x176, 0x179,
		0x17a, 0x1a0, 0x1d9, 0x1db, 0x200, 0x201, 0x20f, 0x250, 0x258, 0x277,
		0x2ff, 0x400, 0x480, 0x6e0, 0x802, 0xc0000080, 0xc0000081, 0xc0000082,
		0xc0000083, 0xc0000084, 0xc0000100, 0xc0000101, 0xc0000102, 0xc0000103,
		0xc0010000, 0xc0010015, 0xc0010114, 0xc0010117, 0xc001011f, 0xda0,
	};

	return chance(85) ? msrs[below(sizeof(msrs) / sizeof(msrs[0]))] : (uint32_t)rnd();
}

static void msrs(int vcpu)
{
	struct kvm_msr_entry e[KVM_CLIENT_MAX_MSRS];
	uint32_t n = (uint32_t)below(chance(90) ? 8 : KVM_CLIENT_MAX_MSRS + 1);

	for (uint32_t i = 0; i < n; i++)
		e[i] = (struct kvm_msr_entry){ random_msr(), chance(95) ? 0 : (uint32_t)rnd(),
					       interesting() };
	if (chance(60))
		count(kvm_set_msrs(vcpu, e, n));
	else
		count(kvm_get_msrs(vcpu, e, n));
}

static void debug_guest(int vcpu)
{
	struct kvm_debug_guest d;

	fill_random(&d, sizeof(d));
	if (chance(70)) {
		d.enabled = chance(80);
		d.singlestep = chance(50);
		for (int i = 0; i < 4; i++) {
			d.breakpoints[i].enabled = chance(30);
			d.breakpoints[i].address = chance(50) ? 0x1000 + below(64) : interesting();
		}
	}
	count(kvm_debug_guest(vcpu, &d));
}

/* KVM_SET_VCPU_EVENTS from what GET says, a few fields changed: events
 * to deliver at the next run (any vector, error codes or none, NMIs,
 * shadows), and states the hypervisor must refuse. */
static void vcpu_events(int vcpu)
{
	struct kvm_vcpu_events e;

	if (chance(10) || count(kvm_get_vcpu_events(vcpu, &e)) < 0)
		fill_random(&e, sizeof(e));
	for (unsigned i = 0, n = 1 + (unsigned)below(3); i < n; i++) {
		switch (below(8)) {
		case 0:
			e.exception.injected = (uint8_t)below(2);
			e.exception.nr = (uint8_t)(chance(90) ? below(32) : rnd());
			e.exception.has_error_code = (uint8_t)below(2);
			e.exception.error_code = (uint32_t)rnd();
			break;
		case 1:
			e.interrupt.injected = (uint8_t)below(2);
			e.interrupt.nr = (uint8_t)rnd();
			e.interrupt.soft = (uint8_t)chance(10);
			break;
		case 2:
			e.nmi.injected = (uint8_t)below(2);
			break;
		case 3:
			e.nmi.pending = (uint8_t)below(2);
			break;
		case 4:
			e.nmi.masked = (uint8_t)below(2);
			break;
		case 5:
			e.interrupt.shadow = (uint8_t)below(chance(90) ? 4 : 256);
			break;
		case 6:
			e.flags = (uint32_t)(chance(90) ? below(64) : rnd());
			break;
		default:
			memset(&e.exception, 0, sizeof(e.exception));
			memset(&e.interrupt, 0, sizeof(e.interrupt));
			e.nmi.injected = 0;
			break;
		}
	}
	count(kvm_set_vcpu_events(vcpu, &e));
}

/* ---- raw requests -------------------------------------------------------- */

static const unsigned long known[] = {
	KVM_GET_API_VERSION, KVM_CREATE_VM, KVM_GET_MSR_INDEX_LIST,
	KVM_SET_MEMORY_REGION, KVM_CREATE_VCPU, KVM_GET_DIRTY_LOG, KVM_RUN,
	KVM_GET_REGS, KVM_SET_REGS, KVM_GET_SREGS, KVM_SET_SREGS, KVM_TRANSLATE,
	KVM_INTERRUPT, KVM_DEBUG_GUEST, KVM_GET_MSRS, KVM_SET_MSRS,
	KVM_BAREKVM_CLOSE, KVM_BAREKVM_MMAP, KVM_BAREKVM_ALARM,
	KVM_NMI, KVM_CHECK_EXTENSION, KVM_GET_VCPU_EVENTS, KVM_SET_VCPU_EVENTS,
};

static bool same_request(unsigned long a, unsigned long b)
{
	return _IOC_TYPE(a) == _IOC_TYPE(b) && _IOC_NR(a) == _IOC_NR(b);
}

static unsigned long random_request(void)
{
	unsigned long rq = known[below(sizeof(known) / sizeof(known[0]))];

	switch (below(6)) {
	case 0:         /* another size */
		return (rq & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT)) |
		       ((unsigned long)below(1u << _IOC_SIZEBITS) << _IOC_SIZESHIFT);
	case 1:         /* another direction */
		return (rq & ~(3ul << _IOC_DIRSHIFT)) | (below(4) << _IOC_DIRSHIFT);
	case 2:
		return (unsigned long)rnd();
	case 3:
		return (unsigned long)(uint32_t)rnd();
	default:
		return rq;
	}
}

/*
 * A request built byte by byte in the mailbox. Kept from harming the
 * control partition itself (the hypervisor acts on what it is told): a
 * dirty bitmap goes to our buffer or outside our RAM, slots stay below
 * 1 GiB but rarely, and KVM_RUN on a live vCPU is a bounded run instead.
 */
static void raw_request(void)
{
	uint8_t *mb = kvm_mailbox();
	uint64_t handle = random_handle(), arg = chance(50) ? interesting() : below(4);
	unsigned long rq = random_request();
	struct fz_handle *h = find_handle((int)handle);

	if (!mb)
		return;
	if (rq == KVM_RUN && h && h->kind == H_VCPU)
		return;                 /* the caller's run() does these */
	size_t n = chance(50) ? below(256) : below(HC_MAILBOX_BYTES + 1);
	fill_random(mb, n);
	if (chance(50))
		memset(mb + n, 0, HC_MAILBOX_BYTES - n);
	if (same_request(rq, KVM_GET_DIRTY_LOG)) {
		struct kvm_dirty_log *d = (void *)mb;
		d->slot = (uint32_t)below(10);
		d->dirty_bitmap = chance(70) ? (uint64_t)(uintptr_t)bitmap
					      : ctl_boot->ram_bytes + interesting();
		if (d->dirty_bitmap < ctl_boot->ram_bytes && d->dirty_bitmap != (uintptr_t)bitmap)
			d->dirty_bitmap = (uint64_t)(uintptr_t)bitmap;
	}
	if (same_request(rq, KVM_SET_MEMORY_REGION)) {
		struct kvm_memory_region *m = (void *)mb;
		if (m->memory_size > (1ULL << 24) && !chance(1))
			m->memory_size &= (1ULL << 24) - 1;
		if (chance(80))
			m->slot &= 7;
	}
	if (same_request(rq, KVM_SET_MSRS) || same_request(rq, KVM_GET_MSRS) ||
	    same_request(rq, KVM_GET_MSR_INDEX_LIST)) {
		if (chance(80))
			*(uint32_t *)mb &= 0x1ff;
	}
	long r = count(hypercall3(HC_KVM, handle, rq, arg));
	if (r > 0 && rq == KVM_CREATE_VM && !note_handle((int)r, H_VM, -1))
		count(kvm_close((int)r));
	if (r > 0 && rq == KVM_CREATE_VCPU && !note_handle((int)r, H_VCPU, (int)handle))
		count(kvm_close((int)r));
	if (r == 0 && rq == KVM_BAREKVM_CLOSE)
		closed((int)handle);
}

/* Hypercalls other than HC_KVM: harmless ones, short idle waits, unknown
 * ones, and
 * mailboxes that are not a page of our RAM (a valid one would move the
 * mailbox away from the client's). */
static void raw_hypercall(void)
{
	switch (below(5)) {
	case 0:
		count(hypercall3(HC_NOP, rnd(), rnd(), rnd()));
		break;
	case 1:
		count(hypercall3(HC_FREE_FRAMES, rnd(), rnd(), rnd()));
		break;
	case 2: {
		uint64_t gpa = chance(50) ? ctl_boot->ram_bytes + interesting()
					  : (interesting() | (1 + below(0xfff)));
		if (gpa < ctl_boot->ram_bytes && !(gpa & 0xfff))
			gpa |= 8;
		count(hypercall3(HC_SET_MAILBOX, gpa, rnd(), rnd()));
		break;
	}
	case 3:
		/* a deadline passed or a moment away: 0 (none) would wait for
		 * a key, and a far one for that long */
		count(hypercall3(HC_IDLE, chance(50) ? 1 + below(1u << 20) :
				 vmm_ctl_host.tsc() + below(100000), rnd(), rnd()));
		break;
	default:
		count(hypercall3(chance(50) ? HC_IDLE + 1 + below(100) : rnd() | 0x100,
				 rnd(), rnd(), rnd()));
	}
}

/* ---- runs ---------------------------------------------------------------- */

/* One instruction a program may hold: no jumps, no CLI, no segment loads,
 * data writes only through DS/ES/SS (base DATA_SEG) or FS (a random base,
 * RAM or MMIO) and only of HLT bytes or zeros. */
static size_t emit_insn(uint8_t *p)
{
	static const uint8_t misc0f[] = { 0x08, 0x09, 0x31, 0x33, 0x0b };
	static const uint8_t sys0f[] = { 0x34, 0x35, 0x05, 0x07, 0xaa };
	static const uint8_t fpu[] = { 0xdb, 0xd9 };
	static const uint8_t sse[][2] = {
		{ 0x28, 0xc1 }, { 0x57, 0xc0 }, { 0x58, 0xc8 }, { 0x5e, 0xc1 },
		{ 0x51, 0xc0 }, { 0xae, 0xf8 }, { 0xae, 0xe8 }, { 0xef, 0xc0 },
		{ 0x6f, 0x07 }, { 0x10, 0x07 }, { 0x11, 0x07 }, { 0x77, 0x90 },
	};
	static const uint8_t desc01[] = { 0 << 3, 1 << 3, 4 << 3, 7 << 3, 7 << 3 };
	uint8_t *q = p;
	uint32_t imm = (uint32_t)interesting();

#define B(x) (*q++ = (uint8_t)(x))
#define IMM16(v) do { B(v); B((v) >> 8); } while (0)
#define IMM32(v) do { B(v); B((v) >> 8); B((v) >> 16); B((v) >> 24); } while (0)
	switch (below(24)) {
	case 0:         /* out dx, al/ax/eax */
		B(0xba); IMM16(rnd()); B(0xee + below(2));
		break;
	case 1:         /* in al/ax, dx */
		B(0xba); IMM16(rnd()); B(0xec + below(2));
		break;
	case 2:         /* rep outsb / insb, small count */
		B(0xba); IMM16(rnd()); B(0xb9); IMM16(below(20)); B(0xf3); B(below(2) ? 0x6e : 0x6c);
		break;
	case 3:         /* cpuid */
		B(0x66); B(0xb8); IMM32(below(2) ? imm : below(0x20));
		B(0x66); B(0xb9); IMM32(below(8)); B(0x0f); B(0xa2);
		break;
	case 4:         /* rdmsr */
		B(0x66); B(0xb9); IMM32(random_msr()); B(0x0f); B(0x32);
		break;
	case 5:         /* wrmsr */
		B(0x66); B(0xb9); IMM32(random_msr()); B(0x66); B(0xb8); IMM32(imm);
		B(0x66); B(0xba); IMM32(rnd()); B(0x0f); B(0x30);
		break;
	case 6:         /* mov ax, fs:[bx] */
		B(0xbb); IMM16(rnd()); B(0x64); B(0x8b); B(0x07);
		break;
	case 7:         /* mov fs:[bx], ax with ax = HLT HLT */
		B(0xbb); IMM16(rnd()); B(0xb8); IMM16(0xf4f4); B(0x64); B(0x89); B(0x07);
		break;
	case 8:         /* rep movsb from fs:si to es:di */
		B(0xbe); IMM16(rnd()); B(0xbf); IMM16(rnd()); B(0xb9); IMM16(below(40));
		B(0xf3); B(0x64); B(0xa4);
		break;
	case 9:         /* invd, wbinvd, rdtsc, rdpmc, ud2 */
		B(0x0f); B(misc0f[below(sizeof(misc0f))]);
		break;
	case 10:        /* int3, int1, int n */
		if (below(3) == 0) {
			B(0xcc);
		} else if (below(2)) {
			B(0xf1);
		} else {
			B(0xcd); B(rnd());
		}
		break;
	case 11:        /* 0f 01 c0-ff: vmcall, monitor, mwait, xgetbv, xsetbv, vmmcall, rdtscp, ... */
		B(0x66); B(0xb9); IMM32(below(4)); B(0x66); B(0xb8); IMM32(imm);
		B(0x0f); B(0x01);
		q[0] = (uint8_t)(0xc0 + below(64));
		if ((q[0] & 0xf8) == 0xf0)      /* lmsw: see case 12 */
			q[0] = 0xe0;            /* smsw ax */
		q++;
		break;
	case 12:        /* mov eax, crN / mov crN, eax. CR0.PE and PG stay
			 * clear: in protected mode the IVT is no IDT, the
			 * guest triple-faults, and on bochs-ryzen that stops
			 * Bochs itself ("3rd (11) exception with no
			 * resolution") instead of giving an SVM SHUTDOWN exit
			 * (see the issue-11 report) */
		B(0x66); B(0xb8); IMM32(imm & 0x7ffffffe);
		B(0x0f); B(below(2) ? 0x20 : 0x22); B(0xc0 | (below(5) << 3));
		break;
	case 13:        /* mov eax, drN. Not mov drN, eax: guest MOV DR is not
			 * intercepted yet (issue 11 item 2) and a random DR7
			 * (or DR5 = DR7) stops QEMU's TCG outright */
		B(0x0f); B(0x21); B(0xc0 | (below(8) << 3));
		break;
	case 14:        /* sgdt / sidt / smsw / invlpg [bx]: not lgdt/lidt, nor
			 * lmsw (it sets PE: see case 12) */
		B(0xbb); IMM16(rnd()); B(0x0f); B(0x01); B(desc01[below(5)] | 0x07);
		break;
	case 15:        /* fxsave / fxrstor / xsave / xrstor [bx] (DS) */
		B(0xbb); IMM16(below(0xf000)); B(0x0f); B(0xae); B((below(6) << 3) | 0x07);
		break;
	case 16:        /* sysenter, sysexit, syscall, sysret, rsm, swapgs-ish */
		B(0x0f); B(sys0f[below(sizeof(sys0f))]);
		break;
	case 17:        /* x87 D9/DB with a register operand (a memory ModRM
			 * would swallow the next bytes as a displacement and
			 * decode them as who knows what: a seed did find a
			 * JMP [BP+d] that way), or a known SSE/MMX one; not a
			 * random 0F xx, which may be a Jcc */
		if (below(2)) {
			B(fpu[below(sizeof(fpu))]);
			B(0xc0 | rnd());
		} else {
			const uint8_t *op = sse[below(sizeof(sse) / sizeof(sse[0]))];
			B(0x0f); B(op[0]); B(op[1]);
		}
		break;
	case 18:        /* pushf / popf would change IF: push / pop ax instead */
		B(below(2) ? 0x50 : 0x58);
		break;
	case 19:        /* in/out imm8 */
		B(0xe4 + below(4)); B(rnd());
		break;
	case 20:        /* MMIO read of a random width */
		B(0xbb); IMM16(rnd()); B(0x64); B(0x66); B(0x8b); B(0x07);
		break;
	case 21:        /* xchg / add on fs memory with 0 */
		B(0xbb); IMM16(rnd()); B(0x31); B(0xc0); B(0x64); B(below(2) ? 0x87 : 0x01); B(0x07);
		break;
	case 22:        /* str / sldt / ltr / lldt / verr (#UD in real mode) */
		B(0x0f); B(0x00); B(0xc0 | (below(6) << 3));
		break;
	default:        /* hlt in the middle */
		B(0xf4);
	}
#undef B
#undef IMM16
#undef IMM32
	return (size_t)(q - p);
}

/* Memory a run needs at gpa 0: slot 0 there (made if missing), mapped. */
static uint8_t *run_memory(int vm)
{
	uint8_t *p = kvm_mmap(vm, 0, GUEST_RAM);

	count(p ? 0 : -kvm_last_error());
	if (!p && count(kvm_set_memory_region(vm, 0, 0, GUEST_RAM, 0)) == 0) {
		p = kvm_mmap(vm, 0, GUEST_RAM);
		count(p ? 0 : -kvm_last_error());
	}
	return p;
}

static void real_segment(struct kvm_segment *s, uint16_t sel, uint8_t type)
{
	*s = (struct kvm_segment){ .base = (uint64_t)sel << 4, .limit = 0xffff,
				   .selector = sel, .type = type, .present = 1, .s = 1 };
}

/* A program: the IVT, the handler, 1-4 instructions and a HLT sled; the
 * vCPU in real mode at its start with IF = 1. */
static bool prepare_program(int vm, int vcpu)
{
	uint8_t *ram = run_memory(vm);
	struct kvm_sregs s = fz.reset_sregs;
	struct kvm_regs r;

	if (!ram || !fz.have_reset)
		return false;
	for (int v = 0; v < 256; v++) {
		uint32_t vec = HANDLER_GPA;             /* 0000:0500 */
		memcpy(ram + 4 * v, &vec, 4);
	}
	ram[HANDLER_GPA] = 0xf4;                        /* hlt */
	ram[HANDLER_GPA + 1] = 0xcf;                    /* iret */
	uint8_t *code = ram + CODE_SEG * 16;
	size_t len = 0;
	for (unsigned i = 0, n = 1 + (unsigned)below(4); i < n; i++)
		len += emit_insn(code + len);
	memset(code + len, 0xf4, SLED_BYTES);
	if (fz.trace) {
		printf("fuzz: program at request %llu:", (unsigned long long)fz.requests);
		for (size_t i = 0; i < len; i++)
			printf(" %02x", code[i]);
		printf("\n");
	}
	real_segment(&s.cs, CODE_SEG, 0xb);
	real_segment(&s.ds, DATA_SEG, 3);
	real_segment(&s.es, DATA_SEG, 3);
	real_segment(&s.ss, DATA_SEG, 3);
	real_segment(&s.gs, DATA_SEG, 3);
	real_segment(&s.fs, DATA_SEG, 3);
	s.fs.base = chance(30) ? 0x10000 : interesting() & ~0xfffULL;
	s.idt.base = 0;
	s.idt.limit = 0x3ff;
	memset(&r, 0, sizeof(r));
	fill_random(&r, 8 * 8);                         /* rax-rbp */
	r.rsp = 0xfff0;
	r.rip = 0;
	r.rflags = 0x202;
	if (count(kvm_set_sregs(vcpu, &s)) < 0 || count(kvm_set_regs(vcpu, &r)) < 0)
		return false;
	return true;
}

static void single_step(int vcpu, bool on)
{
	struct kvm_debug_guest d = { .enabled = on, .singlestep = on };

	count(kvm_debug_guest(vcpu, &d));
}

/*
 * Up to RUN_STEPS KVM_RUNs. A program may run free (it cannot loop); any
 * other state runs single-stepped. Exits are completed at random (IO
 * emulated or not, MMIO reads with random data).
 */
static void run(int vcpu, int vm)
{
	bool program = prepare_program(vm, vcpu);
	struct kvm_run kr;

	if (!program)
		return;                 /* no memory to run in */
	single_step(vcpu, chance(50));
	memset(&kr, 0, sizeof(kr));
	fz.runs++;
	for (int i = 0; i < RUN_STEPS; i++) {
		kr.request_interrupt_window = chance(20);
		kr.cr8 = chance(90) ? 0 : below(16);
		if (chance(10))
			count(kvm_interrupt(vcpu, (uint32_t)(chance(90) ? below(256) : rnd())));
		if (fz.trace) {
			struct kvm_regs rg;
			struct kvm_sregs sr;
			kvm_get_regs(vcpu, &rg);
			kvm_get_sregs(vcpu, &sr);
			printf("fuzz: request %llu: KVM_RUN %d (%s) cs %llx:%llx rflags %llx cr0 %llx efer %llx idt %llx\n",
			       (unsigned long long)fz.requests, vcpu, program ? "program" : "stepped",
			       (unsigned long long)sr.cs.base, (unsigned long long)rg.rip,
			       (unsigned long long)rg.rflags, (unsigned long long)sr.cr0,
			       (unsigned long long)sr.efer, (unsigned long long)sr.idt.base);
		}
		long r = count(kvm_run_vcpu(vcpu, &kr));
		if (r == -EINTR) {
			fz.eintr++;
			continue;
		}
		if (r < 0) {
			fz.run_errors++;
			return;
		}
		fz.run_exits[kr.exit_reason < 9 ? kr.exit_reason : 9]++;
		if (kr.exit_type != KVM_EXIT_TYPE_VM_EXIT)
			return;
		switch (kr.exit_reason) {
		case KVM_EXIT_IO:
		case KVM_EXIT_CPUID:
			kr.emulated = chance(80);
			if (kr.exit_reason == KVM_EXIT_CPUID && chance(50)) {
				kr.cpuid.eax = (uint32_t)rnd();
				kr.cpuid.completed = 1;
			}
			break;
		case KVM_EXIT_MMIO:
			kr.mmio_completed = chance(90);
			fill_random(kr.mmio.data, sizeof(kr.mmio.data));
			break;
		case KVM_EXIT_DEBUG:
		case KVM_EXIT_IRQ_WINDOW_OPEN:
			break;
		default:        /* HLT, SHUTDOWN, EXCEPTION, UNKNOWN: done */
			return;
		}
	}
	single_step(vcpu, false);
}

/* ---- the loop ------------------------------------------------------------ */

static void one_request(void)
{
	int vm = pick(H_VM), vcpu = pick(H_VCPU);
	struct fz_handle *hv = vcpu >= 0 ? find_handle(vcpu) : NULL;

	if (vm < 0 || chance(2)) {
		create_vm();
		return;
	}
	switch (below(100)) {
	case 0 ... 17:
		raw_request();
		break;
	case 18 ... 19:
		if (vcpu >= 0)
			vcpu_events(vcpu);
		break;
	case 20 ... 23:
		raw_hypercall();
		break;
	case 24 ... 37:
		slot_churn(vm);
		break;
	case 38 ... 42:
		dirty_log(vm);
		break;
	case 43 ... 47:
		map_some(vm);
		break;
	case 48 ... 67:
		if (hv && live(H_VM))
			run(vcpu, hv->vm);
		else
			create_vm();
		break;
	case 68 ... 73:
		if (vcpu >= 0)
			set_sregs(vcpu);
		break;
	case 74 ... 79:
		if (vcpu >= 0)
			set_regs(vcpu);
		break;
	case 80 ... 86:
		if (vcpu >= 0)
			msrs(vcpu);
		break;
	case 87 ... 89:
		if (vcpu >= 0)
			debug_guest(vcpu);
		break;
	case 90 ... 91:
		if (vcpu >= 0) {
			uint64_t gpa;
			count(kvm_translate(vcpu, interesting(), &gpa));
		}
		break;
	case 92:
		if (vcpu >= 0)
			count(kvm_interrupt(vcpu, (uint32_t)(chance(90) ? below(256) : rnd())));
		break;
	case 93:
		/* an NMI for the next run, or on any handle at all */
		count(kvm_nmi(vcpu >= 0 && chance(80) ? vcpu : (int)below(64)));
		break;
	case 94 ... 95:
		if (vcpu >= 0 && chance(50)) {
			if (count(kvm_close(vcpu)) == 0)
				closed(vcpu);
		} else if (count(kvm_close(vm)) == 0) {
			closed(vm);
		}
		break;
	default: {
		int v = (int)count(kvm_create_vcpu(vm, (int)below(3)));
		if (v > 0 && !note_handle(v, H_VCPU, vm))
			count(kvm_close(v));
		break;
	}
	}
}

/* Closes what is left: vCPUs first (each holds its VM), then VMs. */
static void close_all(void)
{
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < MAX_HANDLES; i++)
			if (fz.h[i].kind == (pass ? H_VM : H_VCPU)) {
				count(kvm_close(fz.h[i].fd));
				fz.h[i].kind = H_FREE;
			}
}

static void report(long before, long after)
{
	printf("fuzz: %llu requests: 0: %llu, >0: %llu", (unsigned long long)fz.requests,
	       (unsigned long long)fz.ok, (unsigned long long)fz.positive);
	for (int e = 1; e < ERRNO_CLASSES; e++)
		if (fz.errs[e])
			printf(", %s: %llu", kvm_errno_name(e), (unsigned long long)fz.errs[e]);
	if (fz.other)
		printf(", other: %llu", (unsigned long long)fz.other);
	printf("\nfuzz: %llu runs: -EINTR %llu, failed %llu", (unsigned long long)fz.runs,
	       (unsigned long long)fz.eintr, (unsigned long long)fz.run_errors);
	for (int x = 0; x < 10; x++)
		if (fz.run_exits[x])
			printf(", %s %llu", x < 9 ? kvm_exit_reason_name((uint32_t)x) : "other",
			       (unsigned long long)fz.run_exits[x]);
	printf("\nfuzz: free frames before %ld, after %ld: %s\n", before, after,
	       before == after ? "all returned" : "LEAKED");
}

static int cmd_fuzz(int argc, char **argv)
{
	uint64_t seed, n;

	if (vmm_parse_u64(argv[1], &seed) < 0 || vmm_parse_u64(argv[2], &n) < 0 ||
	    n == 0 || n > FUZZ_MAX_COUNT) {
		printf("error: fuzz SEED COUNT: COUNT is 1-%llu\n", FUZZ_MAX_COUNT);
		return 1;
	}
	for (int i = 0; i < VMM_MAX_VMS; i++) {
		if (vm_get(i)) {
			printf("error: fuzz aims at every handle: destroy the CLI's VMs first\n");
			return 1;
		}
	}
	memset(&fz, 0, sizeof(fz));
	fz.trace = argc > 3 && !strcmp(argv[3], "trace");
	fz.rng = seed * 0x9e3779b97f4a7c15ULL + 1;
	long before = hypercall3(HC_FREE_FRAMES, 0, 0, 0);
	uint64_t step = n >= 100000 ? n / 10 : 0, next = step;
	while (fz.requests < n) {
		one_request();
		if (step && fz.requests >= next && fz.requests < n) {
			printf("fuzz: %llu requests\n", (unsigned long long)fz.requests);
			next += step;
		}
	}
	close_all();
	long after = hypercall3(HC_FREE_FRAMES, 0, 0, 0);
	report(before, after);
	return before == after ? 0 : 1;
}

const struct cli_command ctl_fuzz_commands[] = {
	{ "fuzz", "fuzz SEED COUNT [trace]",
	  "COUNT random requests to the hypervisor, then every frame must be back",
	  2, 3, cmd_fuzz },
	{ NULL, NULL, NULL, 0, 0, NULL },
};
