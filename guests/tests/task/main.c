/*
 * task.bin: hardware task switches (docs/test-guests.md, "task.bin"). A
 * 32-bit protected-mode guest entered like prot32.bin. It builds its own
 * GDT (the flat code and data segments at the VMM's selectors 0x08/0x10,
 * a TSS per task, a too-small TSS, a task gate), turns on 32-bit paging
 * (4 KiB pages, identity map of the first 4 MiB) and loads TR with the
 * main task's TSS. Then, checking exact outcomes (Intel SDM Vol. 3 7.3,
 * 7.4, 6.12.2, 6.15):
 *   - JMP to a TSS and JMP back: busy bits, NT clear, TR, registers, CR0.TS;
 *   - CALL to a TSS and IRET back: NT and the back link in the called
 *     task, both busy while nested, the called one available after;
 *   - CALL and JMP through a task gate in the GDT;
 *   - INT 0x40 through a task gate in the IDT;
 *   - #UD (UD2) through a task gate, then INT 6 through the same gate:
 *     the main task's saved EIP is the UD2's, then the one after the INT;
 *   - #GP(0xff8) through a task gate: the error code on the new task's stack;
 *   - #DF through a task gate: the #GP gate made not present, a #GP gives
 *     #NP during its delivery, which is a #DF (error code 0);
 *   - a task with another CR3: a linear page reads another frame there,
 *     and the old CR3 is back after its IRET;
 *   - CALL to a 16-bit TSS and IRET back (the 16-bit image);
 *   - DR7's local enables cleared by a switch, the global ones kept; a
 *     TSS with its T bit set: a #DB (DR6.BT) before its first instruction;
 *   - JMP to a TSS on the VMM's MMIO test device and JMP back: the
 *     switch reads the new TSS and stores the old task's state through
 *     the device (each access one exit), with the same outcome and the
 *     same saved state as the JMP to the worker's TSS in RAM; the same
 *     with CALL and IRET (the back link on the device);
 *   - JMP to the busy (running) task: #GP(0x18); JMP to a TSS with limit
 *     0x60: #TS(0x40); JMP to a TSS on a not-present page: #PF with CR2
 *     in that TSS and nothing changed; JMP to a TSS whose page table lies
 *     outside RAM: the same not-present #PF (caught by interrupt gates in
 *     the main task).
 */
#include "guest.h"

const char guest_name[] = "task";
unsigned long entry_eflags;             /* recorded by prot32/entry.S */

int main(void);

#define SEL_CODE    0x08
#define SEL_DATA    0x10
#define SEL_MAIN    0x18
#define SEL_WORKER  0x20
#define SEL_DF      0x28
#define SEL_GP      0x30
#define SEL_INT     0x38
#define SEL_SMALL   0x40
#define SEL_GATE    0x48        /* task gate in the GDT -> SEL_WORKER */
#define SEL_PAGING  0x50
#define SEL_UNMAPPED 0x58       /* a TSS on a page that is not present */
#define SEL_TSS16   0x60        /* a 16-bit TSS */
#define SEL_CODE_IMAGE 0x68     /* 32-bit code based at IMAGE_BASE */
#define SEL_DEV_TSS 0x70        /* the worker's code, its TSS on the device */
#define SEL_FAR_PT  0x78        /* a TSS whose page table is outside RAM */
#define GDT_ENTRIES 16
#define DEV_TSS     0x100       /* where in the device's storage */
#define IMAGE_BASE  0x100000    /* where the VMM loads task.bin */
#define TSS16_AVAIL 0x81        /* P, DPL 0, available 16-bit TSS */
#define SEL_BAD     0x0ff8      /* tasks.S: past the GDT limit */
/* Linear 8 MiB (pd_a[2]) is mapped by a page table at 1 GiB, outside the
 * VM's RAM: the hypervisor reads such a table as not present
 * (docs/architecture.md), as KVM does. */
#define FAR_PT_LINEAR 0x800000u
#define FAR_PT_GPA    0x40000000u

#define TSS_AVAIL   0x89        /* P, DPL 0, available 32-bit TSS */
#define TSS_BUSY_BIT 0x02
#define TASK_GATE   0x85        /* P, DPL 0, task gate */
#define INTR_GATE   0x8e        /* P, DPL 0, 32-bit interrupt gate */
#define EFLAGS_NT   (1ul << 14)
#define CR0_TS      (1ul << 3)
#define CR0_PG_BIT  (1ul << 31)
#define VEC_UD      6
#define VEC_DF      8
#define VEC_TS      10
#define VEC_GP      13
#define VEC_PF      14
#define VEC_INT     0x40
#define STACK_BYTES 4096
#define PTE_P_RW    0x003u
#define PTE_PCD     0x010u

struct tss32 {
	uint16_t link, r0;
	uint32_t esp0;
	uint16_t ss0, r1;
	uint32_t esp1;
	uint16_t ss1, r2;
	uint32_t esp2;
	uint16_t ss2, r3;
	uint32_t cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
	uint16_t es, r4, cs, r5, ss, r6, ds, r7, fs, r8, gs, r9, ldt, r10;
	uint16_t trap, iomap;
} __attribute__((packed));

_Static_assert(sizeof(struct tss32) == 0x68, "32-bit TSS");

/* SDM Vol. 3 Figure 7-11 */
struct tss16 {
	uint16_t link, sp0, ss0, sp1, ss1, sp2, ss2;
	uint16_t ip, flags, ax, cx, dx, bx, sp, bp, si, di;
	uint16_t es, cs, ss, ds, ldt;
} __attribute__((packed));

_Static_assert(sizeof(struct tss16) == 0x2c, "16-bit TSS");

struct gate {
	uint16_t offset_lo, selector;
	uint8_t zero, type;
	uint16_t offset_hi;
} __attribute__((packed));

struct table_pointer {
	uint16_t limit;
	uint32_t base;
} __attribute__((packed));

static uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(8)));
static struct tss32 tss_main, tss_worker, tss_df, tss_gp, tss_int, tss_paging;
static struct tss32 tss_small;
static struct tss16 tss_16;
static uint8_t stacks[5][STACK_BYTES] __attribute__((aligned(16)));
static uint32_t pd_a[1024] __attribute__((aligned(4096)));
static uint32_t pd_b[1024] __attribute__((aligned(4096)));
static uint32_t pt_a[1024] __attribute__((aligned(4096)));
static uint32_t pt_b[1024] __attribute__((aligned(4096)));
/* maps the VMM's MMIO test device (its first page) at MMIOTEST_GPA */
static uint32_t pt_dev[1024] __attribute__((aligned(4096)));
static volatile uint32_t page_a[1024] __attribute__((aligned(4096)));
static volatile uint32_t page_b[1024] __attribute__((aligned(4096)));
/* alone on its page, which both page tables leave not present */
static union {
	struct tss32 tss;
	uint8_t page[4096];
} unmapped __attribute__((aligned(4096)));

/* tasks.S */
void task_worker_entry(void), task_int_entry(void), task_gp_entry(void);
void task_df_entry(void), task_paging_entry(void);
void fault_bad_ds(void), fault_busy_jmp(void), fault_small_jmp(void);
void fault_unmapped_jmp(void), fault_far_pt_jmp(void);
void task16_entry(void);
extern char task16_after_iret[];
volatile uint32_t task16_runs;
volatile uint16_t task16_tr;
extern char fault_bad_ds_resume[], fault_busy_jmp_resume[];
extern char fault_small_jmp_resume[], fault_unmapped_jmp_resume[];
extern char fault_far_pt_jmp_resume[];

/* ---- what the tasks saw (written by them, read by main) ------------- */
struct seen {
	unsigned runs;
	uint16_t tr, link;
	uint32_t eflags, cr3, value;
	uint32_t main_eip;                      /* the main task's saved EIP */
	uint8_t main_access, own_access;        /* GDT access bytes */
	uint8_t tr_access;                      /* TR's, in the GDT */
};
static volatile struct seen worker_seen, int_seen, gp_seen, df_seen, paging_seen;
volatile uint32_t task_gp_esp, task_gp_error, task_df_esp, task_df_error;

static uint8_t access_byte(uint16_t sel)
{
	return (uint8_t)(((volatile uint64_t *)gdt)[sel >> 3] >> 40);
}

static uint16_t read_tr(void)
{
	uint16_t tr;

	__asm__ volatile("str %0" : "=r"(tr));
	return tr;
}

static uint32_t read_eflags(void)
{
	uint32_t f;

	__asm__ volatile("pushfl; popl %0" : "=r"(f));
	return f;
}

static void clts(void)
{
	__asm__ volatile("clts" ::: "memory");
}

/* Common to every task: its TSS, its back link, NT, the busy bits. */
static void record(volatile struct seen *s, const struct tss32 *own,
		   uint16_t own_sel)
{
	s->runs++;
	s->tr = read_tr();
	s->link = ((volatile const struct tss32 *)own)->link;
	s->eflags = read_eflags();
	s->cr3 = (uint32_t)read_cr3();
	s->main_access = access_byte(SEL_MAIN);
	s->own_access = access_byte(own_sel);
	s->tr_access = access_byte(s->tr);
}

void task_worker_work(void);
void task_worker_work(void)
{
	record(&worker_seen, &tss_worker, SEL_WORKER);
}

/* Where the INT task sends the main task back to, once (0: where its
 * TSS says): after an exception, past the faulting instruction. */
static volatile uint32_t int_task_resume;

void task_int_work(void);
void task_int_work(void)
{
	record(&int_seen, &tss_int, SEL_INT);
	int_seen.main_eip = tss_main.eip;
	if (int_task_resume) {
		tss_main.eip = int_task_resume;
		int_task_resume = 0;
	}
}

/* An exception's task: the main task resumes after the faulting
 * instruction (its saved EIP, in its TSS, is the instruction's). */
void task_gp_work(void);
void task_gp_work(void)
{
	record(&gp_seen, &tss_gp, SEL_GP);
	tss_main.eip = (uint32_t)fault_bad_ds_resume;
}

void task_df_work(void);
void task_df_work(void)
{
	record(&df_seen, &tss_df, SEL_DF);
	tss_main.eip = (uint32_t)fault_bad_ds_resume;
}

void task_paging_work(void);
void task_paging_work(void)
{
	record(&paging_seen, &tss_paging, SEL_PAGING);
	paging_seen.value = page_a[0];  /* through this task's page tables */
}

/* ---- set-up ----------------------------------------------------------- */

static uint64_t descriptor(uint32_t base, uint32_t limit, uint8_t access,
			   uint8_t flags)
{
	return (limit & 0xffffull) | (uint64_t)(base & 0xffffff) << 16 |
	       (uint64_t)access << 40 | (uint64_t)((limit >> 16) & 0xf) << 48 |
	       (uint64_t)(flags & 0xf) << 52 | (uint64_t)(base >> 24) << 56;
}

static void tss_init(struct tss32 *t, void (*entry)(void), unsigned stack,
		     uint32_t cr3)
{
	memset(t, 0, sizeof(*t));
	t->cr3 = cr3;
	t->eip = (uint32_t)entry;
	t->eflags = 0x2;                        /* IF = 0, NT = 0 */
	t->esp = (uint32_t)&stacks[stack][STACK_BYTES];
	t->cs = SEL_CODE;
	t->ss = t->ds = t->es = t->fs = t->gs = SEL_DATA;
	t->iomap = sizeof(*t);                  /* no I/O bitmap */
}

static uint32_t top_of_stack(unsigned stack)
{
	return (uint32_t)&stacks[stack][STACK_BYTES];
}

/* Two page directories mapping the first 4 MiB 1:1, except that in pd_b
 * the page of page_a is page_b's frame. */
static void paging_init(void)
{
	for (uint32_t i = 0; i < 1024; i++)
		pt_a[i] = pt_b[i] = (i << 12) | PTE_P_RW;
	pt_b[(uint32_t)page_a >> 12] = (uint32_t)page_b | PTE_P_RW;
	pt_a[(uint32_t)&unmapped >> 12] = pt_b[(uint32_t)&unmapped >> 12] = 0;
	pd_a[0] = (uint32_t)pt_a | PTE_P_RW;
	pd_b[0] = (uint32_t)pt_b | PTE_P_RW;
	pt_dev[0] = (uint32_t)MMIOTEST_GPA | PTE_P_RW | PTE_PCD;
	pd_a[MMIOTEST_GPA >> 22] = (uint32_t)pt_dev | PTE_P_RW;
	pd_a[FAR_PT_LINEAR >> 22] = FAR_PT_GPA | PTE_P_RW;
	page_a[0] = 0xaaaa0001;
	page_b[0] = 0xbbbb0002;
	write_cr3((uint32_t)pd_a);
	write_cr0(read_cr0() | CR0_PG_BIT);
}

static void gdt_init(void)
{
	struct table_pointer p = { sizeof(gdt) - 1, (uint32_t)gdt };
	uint32_t cr3 = (uint32_t)pd_a;

	tss_init(&tss_main, 0, 0, cr3);
	tss_init(&tss_worker, task_worker_entry, 0, cr3);
	tss_init(&tss_int, task_int_entry, 1, cr3);
	tss_init(&tss_gp, task_gp_entry, 2, cr3);
	tss_init(&tss_df, task_df_entry, 3, cr3);
	tss_init(&tss_paging, task_paging_entry, 4, (uint32_t)pd_b);
	gdt[SEL_CODE >> 3] = descriptor(0, 0xfffff, 0x9b, 0xc);
	gdt[SEL_DATA >> 3] = descriptor(0, 0xfffff, 0x93, 0xc);
	gdt[SEL_MAIN >> 3] = descriptor((uint32_t)&tss_main, 0x67, TSS_AVAIL, 0);
	gdt[SEL_WORKER >> 3] = descriptor((uint32_t)&tss_worker, 0x67, TSS_AVAIL, 0);
	gdt[SEL_DF >> 3] = descriptor((uint32_t)&tss_df, 0x67, TSS_AVAIL, 0);
	gdt[SEL_GP >> 3] = descriptor((uint32_t)&tss_gp, 0x67, TSS_AVAIL, 0);
	gdt[SEL_INT >> 3] = descriptor((uint32_t)&tss_int, 0x67, TSS_AVAIL, 0);
	gdt[SEL_SMALL >> 3] = descriptor((uint32_t)&tss_small, 0x60, TSS_AVAIL, 0);
	gdt[SEL_GATE >> 3] = (uint64_t)SEL_WORKER << 16 | (uint64_t)TASK_GATE << 40;
	gdt[SEL_PAGING >> 3] = descriptor((uint32_t)&tss_paging, 0x67, TSS_AVAIL, 0);
	gdt[SEL_UNMAPPED >> 3] = descriptor((uint32_t)&unmapped, 0x67, TSS_AVAIL, 0);
	gdt[SEL_TSS16 >> 3] = descriptor((uint32_t)&tss_16, 0x2b, TSS16_AVAIL, 0);
	gdt[SEL_FAR_PT >> 3] = descriptor(FAR_PT_LINEAR, 0x67, TSS_AVAIL, 0);
	gdt[SEL_CODE_IMAGE >> 3] = descriptor(IMAGE_BASE, 0xfffff, 0x9b, 0xc);
	gdt[SEL_DEV_TSS >> 3] = descriptor((uint32_t)(MMIOTEST_GPA + MMIOTEST_DATA + DEV_TSS),
					   0x67, TSS_AVAIL, 0);
	tss_16 = (struct tss16){ .ip = (uint16_t)((uint32_t)task16_entry - IMAGE_BASE),
		.flags = 0x2, .cs = SEL_CODE_IMAGE, .ss = SEL_DATA, .ds = SEL_DATA,
		.es = SEL_DATA };
	__asm__ volatile("lgdt %0\n\t"
			 "ljmp %1, $1f\n"
			 "1:\tmov %2, %%ds\n\t"
			 "mov %2, %%es\n\t"
			 "mov %2, %%ss\n\t"
			 "mov %2, %%fs\n\t"
			 "mov %2, %%gs\n\t"
			 "ltr %w3"
			 : : "m"(p), "i"(SEL_CODE), "r"(SEL_DATA), "r"(SEL_MAIN)
			 : "memory");
}

/* ---- the IDT: lib/idt.c's interrupt gates, some made task gates ------- */

static volatile unsigned gate_vector, gate_error, gate_count;
static volatile uint32_t gate_resume, gate_cr2;

static uint32_t read_cr2(void)
{
	uint32_t v;

	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static void gate_handler(struct isr_frame *f)
{
	gate_count++;
	gate_cr2 = read_cr2();
	gate_vector = (unsigned)f->vector;
	gate_error = (unsigned)f->error;
	f->ip = gate_resume;
}

static struct gate *idt_entry(unsigned vector)
{
	struct table_pointer p;

	__asm__ volatile("sidt %0" : "=m"(p));
	return (struct gate *)p.base + vector;
}

static struct gate task_gate(uint16_t tss)
{
	return (struct gate){ .selector = tss, .type = TASK_GATE };
}

/* ---- the checks ---------------------------------------------------------- */

static bool busy(uint16_t sel)
{
	return access_byte(sel) & TSS_BUSY_BIT;
}

/* After each switch back: TR is the main task's again and CR0.TS set. */
static bool back_in_main(void)
{
	bool ok = read_tr() == SEL_MAIN && (read_cr0() & CR0_TS) && busy(SEL_MAIN);

	clts();
	return ok;
}

static void check_jmp(uint16_t target, const char *how)
{
	uint32_t si = 0x51515151, di = 0xd1d1d1d1;
	unsigned runs = worker_seen.runs;

	tss_worker.link = 0;            /* a JMP must leave it alone */

	if (target == SEL_WORKER)
		__asm__ volatile("ljmp $0x20, $0" : "+S"(si), "+D"(di) : : "memory");
	else
		__asm__ volatile("ljmp $0x48, $0" : "+S"(si), "+D"(di) : : "memory");
	check(worker_seen.runs == runs + 1 && worker_seen.tr == SEL_WORKER &&
	      !(worker_seen.eflags & EFLAGS_NT) && worker_seen.link == 0 &&
	      !(worker_seen.main_access & TSS_BUSY_BIT) &&
	      (worker_seen.own_access & TSS_BUSY_BIT),
	      "jmp %s: the task runs with NT = 0, no back link, the old TSS available, "
	      "its own busy", how);
	check(back_in_main() && !busy(SEL_WORKER) && si == 0x51515151 &&
	      di == 0xd1d1d1d1 && !(read_eflags() & EFLAGS_NT),
	      "jmp %s and jmp back: TR 0x18, CR0.TS set, worker available, "
	      "ESI/EDI kept", how);
}

static void check_call(uint16_t target, const char *how)
{
	uint32_t si = 0x5a5a5a5a, di = 0xdadadada;
	unsigned runs = worker_seen.runs;

	if (target == SEL_WORKER)
		__asm__ volatile("lcall $0x20, $0" : "+S"(si), "+D"(di) : : "memory");
	else
		__asm__ volatile("lcall $0x48, $0" : "+S"(si), "+D"(di) : : "memory");
	check(worker_seen.runs == runs + 1 && worker_seen.tr == SEL_WORKER &&
	      (worker_seen.eflags & EFLAGS_NT) && worker_seen.link == SEL_MAIN &&
	      (worker_seen.main_access & TSS_BUSY_BIT) &&
	      (worker_seen.own_access & TSS_BUSY_BIT),
	      "call %s: the task runs with NT = 1, back link 0x18, both TSSes busy",
	      how);
	check(back_in_main() && !busy(SEL_WORKER) && si == 0x5a5a5a5a &&
	      di == 0xdadadada && !(read_eflags() & EFLAGS_NT),
	      "call %s and iret back: TR 0x18, NT = 0, worker available, "
	      "ESI/EDI kept", how);
}

static void check_int_gate(void)
{
	struct gate saved = *idt_entry(VEC_INT);
	unsigned runs = int_seen.runs;

	*idt_entry(VEC_INT) = task_gate(SEL_INT);
	__asm__ volatile("int $0x40" ::: "memory");
	*idt_entry(VEC_INT) = saved;
	check(int_seen.runs == runs + 1 && int_seen.tr == SEL_INT &&
	      (int_seen.eflags & EFLAGS_NT) && int_seen.link == SEL_MAIN &&
	      (int_seen.main_access & TSS_BUSY_BIT) && back_in_main() &&
	      !busy(SEL_INT),
	      "int 0x40 through a task gate: NT = 1, back link 0x18, iret returns "
	      "after the int");
}

/* A fault through a task gate saves the faulting instruction's EIP in
 * the old task; an INT n through the same gate saves the EIP after it
 * (SDM Vol. 3 7.3 step 7). On Bochs's SVM the INT's exit reports the
 * #UD again (a stale EXITINTINFO, docs/platforms.md): taken at its word,
 * the INT would run again and again. */
static void check_ud_then_int(void)
{
	extern const char ud_insn[], ud_resume[], after_int6[];
	struct gate saved = *idt_entry(VEC_UD);
	unsigned runs = int_seen.runs;
	uint32_t eip_ud;

	*idt_entry(VEC_UD) = task_gate(SEL_INT);
	int_task_resume = (uint32_t)ud_resume;
	__asm__ volatile(".globl ud_insn\nud_insn: ud2\n"
			 ".globl ud_resume\nud_resume:" ::: "memory");
	eip_ud = int_seen.main_eip;
	int_task_resume = (uint32_t)after_int6;         /* once, whatever it saved */
	__asm__ volatile("int $6\n.globl after_int6\nafter_int6:" ::: "memory");
	*idt_entry(VEC_UD) = saved;
	say("#UD then INT 6 through a task gate: saved EIP 0x%x then 0x%x "
	    "(UD2 at 0x%x, after the INT 0x%x), %u runs", (unsigned)eip_ud,
	    (unsigned)int_seen.main_eip, (unsigned)(uintptr_t)ud_insn,
	    (unsigned)(uintptr_t)after_int6, int_seen.runs - runs);
	check(int_seen.runs == runs + 2 && eip_ud == (uint32_t)ud_insn &&
	      int_seen.main_eip == (uint32_t)after_int6 && back_in_main() &&
	      !busy(SEL_INT),
	      "#UD then INT 6 through one task gate: the old task saved at the UD2, "
	      "then after the INT");
}

/* The same with the IDT on the VMM's MMIO test device (its storage):
 * the CPU's delivery of INT 0x40 reads the gate there and exits; the
 * hypervisor's emulator reads it through the device, finds a task gate
 * and the hypervisor switches tasks itself (core/vcpu_run.c). */
static void check_int_gate_mmio_idt(void)
{
	volatile uint64_t *dev = (volatile uint64_t *)(MMIOTEST_GPA + MMIOTEST_DATA);
	struct table_pointer ram, on_dev = { (VEC_INT + 1) * 8 - 1,
					     (uint32_t)(MMIOTEST_GPA + MMIOTEST_DATA) };
	struct gate g = task_gate(SEL_INT);
	unsigned runs = int_seen.runs;
	uint64_t raw;

	__asm__ volatile("sidt %0" : "=m"(ram));
	for (unsigned v = 0; v < VEC_INT; v++)
		dev[v] = ((const uint64_t *)ram.base)[v];
	__builtin_memcpy(&raw, &g, sizeof(raw));
	dev[VEC_INT] = raw;
	__asm__ volatile("lidt %0\n\tint $0x40\n\tlidt %1"
			 : : "m"(on_dev), "m"(ram) : "memory");
	check(int_seen.runs == runs + 1 && int_seen.tr == SEL_INT &&
	      (int_seen.eflags & EFLAGS_NT) && int_seen.link == SEL_MAIN &&
	      (int_seen.main_access & TSS_BUSY_BIT) && back_in_main() &&
	      !busy(SEL_INT),
	      "int 0x40 through a task gate in an IDT on the MMIO device: NT = 1, "
	      "back link 0x18, iret returns after the int");
}

static void check_exception_with_error_code(void)
{
	struct gate saved = *idt_entry(VEC_GP);

	*idt_entry(VEC_GP) = task_gate(SEL_GP);
	fault_bad_ds();
	*idt_entry(VEC_GP) = saved;
	say("#GP task: runs %u, error 0x%x, esp 0x%x (top 0x%x)", gp_seen.runs,
	    (unsigned)task_gp_error, (unsigned)task_gp_esp, (unsigned)top_of_stack(2));
	check(gp_seen.runs == 1 && task_gp_error == SEL_BAD &&
	      task_gp_esp == top_of_stack(2) - 4 && (gp_seen.eflags & EFLAGS_NT) &&
	      gp_seen.link == SEL_MAIN && back_in_main() && !busy(SEL_GP),
	      "#GP(0xff8) through a task gate: error code pushed on the new "
	      "task's stack, NT = 1, back link 0x18");
}

static void check_double_fault(void)
{
	struct gate saved_gp = *idt_entry(VEC_GP), saved_df = *idt_entry(VEC_DF);

	idt_entry(VEC_GP)->type = INTR_GATE & 0x7f;     /* not present */
	*idt_entry(VEC_DF) = task_gate(SEL_DF);
	fault_bad_ds();
	*idt_entry(VEC_GP) = saved_gp;
	*idt_entry(VEC_DF) = saved_df;
	say("#DF task: runs %u, error 0x%x, esp 0x%x (top 0x%x)", df_seen.runs,
	    (unsigned)task_df_error, (unsigned)task_df_esp, (unsigned)top_of_stack(3));
	check(df_seen.runs == 1 && task_df_error == 0 &&
	      task_df_esp == top_of_stack(3) - 4 && (df_seen.eflags & EFLAGS_NT) &&
	      df_seen.link == SEL_MAIN && back_in_main() && !busy(SEL_DF),
	      "#GP with its gate not present: #NP, then #DF through a task gate, "
	      "error code 0 on the new stack, back link 0x18");
}

static void check_cr3_switch(void)
{
	__asm__ volatile("lcall $0x50, $0" ::: "memory");
	say("paging task: CR3 0x%x, page_a reads 0x%x", (unsigned)paging_seen.cr3,
	    (unsigned)paging_seen.value);
	check(paging_seen.runs == 1 && paging_seen.cr3 == (uint32_t)pd_b &&
	      paging_seen.value == 0xbbbb0002,
	      "a task with its own CR3: the linear page reads the other frame");
	check(back_in_main() && read_cr3() == (uint32_t)pd_a && page_a[0] == 0xaaaa0001,
	      "iret back: the main task's CR3 from its TSS, the page reads its own "
	      "frame again");
}

static void check_fault(void (*insn)(void), char *resume, unsigned vector,
			unsigned error, const char *what)
{
	unsigned count = gate_count;

	gate_resume = (uint32_t)resume;
	insn();
	say("%s: vector %u error 0x%x", what, gate_vector, gate_error);
	check(gate_count == count + 1 && gate_vector == vector && gate_error == error &&
	      read_tr() == SEL_MAIN && busy(SEL_MAIN),
	      "%s: vector %u, error code 0x%x, still in the main task", what,
	      vector, error);
}

/* A 16-bit TSS (SDM Vol. 3 7.6): CALL, and IRET back, which saves the
 * 16-bit image (IP after the IRET). */
static void check_16bit_tss(void)
{
	uint32_t si = 0x16161616, di = 0x61616161;

	__asm__ volatile("lcall $0x60, $0" : "+S"(si), "+D"(di) : : "memory");
	check(task16_runs == 1 && task16_tr == SEL_TSS16 && tss_16.link == SEL_MAIN,
	      "call to a 16-bit TSS: the task runs, TR 0x60, back link 0x18");
	check(back_in_main() && !busy(SEL_TSS16) && si == 0x16161616 &&
	      di == 0x61616161 &&
	      tss_16.ip == (uint16_t)((uint32_t)task16_after_iret - IMAGE_BASE),
	      "iret back from the 16-bit TSS: its IP saved after the iret, TR 0x18, "
	      "ESI/EDI kept");
}

static void write_dr(unsigned n, uint32_t v)
{
	if (n == 6)
		__asm__ volatile("mov %0, %%dr6" : : "r"(v));
	else
		__asm__ volatile("mov %0, %%dr7" : : "r"(v));
}

static uint32_t read_dr(unsigned n)
{
	uint32_t v;

	if (n == 6)
		__asm__ volatile("mov %%dr6, %0" : "=r"(v));
	else
		__asm__ volatile("mov %%dr7, %0" : "=r"(v));
	return v;
}

#define VEC_DB      1
#define DR6_BT      (1u << 15)
#define DR7_L0      (1u << 0)
#define DR7_G1      (1u << 3)
#define DR7_L3      (1u << 6)

/* SDM Vol. 3 17.2.4 and 17.3.1.5: a task switch clears DR7's local
 * enables (L0-L3), not the global ones, and a TSS with its T bit set
 * raises a #DB (DR6.BT) before the new task's first instruction. The
 * breakpoints are armed at linear 0, where nothing runs. */
static void check_debug_trap_and_dr7(void)
{
	unsigned count = gate_count, runs = worker_seen.runs;

	write_dr(7, 0x400 | DR7_L0 | DR7_G1 | DR7_L3);
	__asm__ volatile("lcall $0x20, $0" ::: "memory");
	uint32_t dr7 = read_dr(7);
	check(back_in_main() && worker_seen.runs == runs + 1 &&
	      (dr7 & 0xff) == DR7_G1,
	      "call to a TSS and iret back: DR7 L0 and L3 cleared, G1 kept "
	      "(DR7 0x%x)", (unsigned)dr7);
	write_dr(7, 0x400);

	write_dr(6, 0);
	tss_worker.trap = 1;
	gate_resume = tss_worker.eip;   /* a trap: where the task resumes */
	__asm__ volatile("lcall $0x20, $0" ::: "memory");
	tss_worker.trap = 0;
	uint32_t dr6 = read_dr(6);
	say("T bit: #DB count %u, vector %u, DR6 0x%x", gate_count - count,
	    gate_vector, (unsigned)dr6);
	check(back_in_main() && worker_seen.runs == runs + 2 &&
	      gate_count == count + 1 && gate_vector == VEC_DB && (dr6 & DR6_BT),
	      "call to a TSS with its T bit set: one #DB with DR6.BT before the "
	      "task's first instruction, then the task runs");
}

/* A #PF while reading the new TSS comes before anything changes: the
 * target stays available, the main task busy (CR2 is a TSS byte; which
 * one a CPU reads first differs). */
static void check_unmapped(void)
{
	uint32_t base = (uint32_t)&unmapped;

	check_fault(fault_unmapped_jmp, fault_unmapped_jmp_resume, VEC_PF, 0,
		    "jmp to a TSS on a not-present page");
	say("#PF: CR2 0x%x (TSS at 0x%x)", (unsigned)gate_cr2, (unsigned)base);
	check(gate_cr2 >= base && gate_cr2 <= base + 0x67 && !busy(SEL_UNMAPPED),
	      "#PF: CR2 in the new TSS, its descriptor still available");
}

/* The same when the page table that would map the new TSS lies outside
 * RAM: a not-present #PF before anything changes, on every platform (the
 * switch is the hypervisor's or, under QEMU's TCG, the nested page fault
 * of QEMU's walk hands it to the emulator), never a stopped VM. */
static void check_far_page_table(void)
{
	check_fault(fault_far_pt_jmp, fault_far_pt_jmp_resume, VEC_PF, 0,
		    "jmp to a TSS whose page table is outside RAM");
	say("#PF: CR2 0x%x (TSS at 0x%x)", (unsigned)gate_cr2, FAR_PT_LINEAR);
	check(gate_cr2 >= FAR_PT_LINEAR && gate_cr2 <= FAR_PT_LINEAR + 0x67 &&
	      !busy(SEL_FAR_PT),
	      "#PF: CR2 in that TSS, its descriptor still available");
}

/* The fields a switch saves (SDM Vol. 3 7.3 step 7), and the rest, which
 * it leaves: equal but for ECX and EDX, which task_worker_work() leaves
 * as it happens to (TR differs). */
static bool same_saved_state(const volatile struct tss32 *a, const struct tss32 *b)
{
	return a->link == b->link && a->cr3 == b->cr3 && a->eip == b->eip &&
	       a->eflags == b->eflags && a->eax == b->eax && a->ebx == b->ebx &&
	       a->esp == b->esp && a->ebp == b->ebp && a->esi == b->esi &&
	       a->edi == b->edi && a->es == b->es && a->cs == b->cs &&
	       a->ss == b->ss && a->ds == b->ds && a->fs == b->fs &&
	       a->gs == b->gs && a->ldt == b->ldt && a->r5 == 0x5555 &&
	       a->iomap == b->iomap;
}

static uint64_t dev_reg(unsigned offset)
{
	return *(volatile uint64_t *)(MMIOTEST_GPA + offset);
}

/* A fresh worker TSS image on the device, at its start, with a marker in
 * the reserved half above CS, which no switch stores. */
static void dev_tss_fresh(volatile struct tss32 *dev)
{
	struct tss32 image;

	tss_init(&image, task_worker_entry, 0, (uint32_t)pd_a);
	image.r5 = 0x5555;
	for (unsigned i = 0; i < sizeof(image); i += 4) {
		uint32_t w;
		__builtin_memcpy(&w, (const uint8_t *)&image + i, 4);
		*(volatile uint32_t *)((volatile uint8_t *)dev + i) = w;
	}
}

/* What differs between the device's TSS and the one in RAM (a bit per
 * field, in struct order from the back link), for the log. */
static unsigned saved_state_diff(const volatile struct tss32 *a, const struct tss32 *b)
{
	const uint32_t x[] = { a->link, a->cr3, a->eip, a->eflags, a->eax, a->ebx,
			       a->esp, a->ebp, a->esi, a->edi, a->es, a->cs, a->ss,
			       a->ds, a->fs, a->gs, a->ldt, a->r5, a->iomap };
	const uint32_t y[] = { b->link, b->cr3, b->eip, b->eflags, b->eax, b->ebx,
			       b->esp, b->ebp, b->esi, b->edi, b->es, b->cs, b->ss,
			       b->ds, b->fs, b->gs, b->ldt, 0x5555, b->iomap };
	unsigned diff = 0;

	for (unsigned i = 0; i < sizeof(x) / sizeof(x[0]); i++)
		diff |= (x[i] != y[i]) << i;
	return diff;
}

/* The worker's TSS on the VMM's MMIO test device (plain storage behind
 * KVM_EXIT_MMIO): the JMP to it reads the 104-byte TSS from the device,
 * 13 aligned 8-byte reads; the JMP back stores EIP..EDI (5 writes) and
 * the six selectors (2 bytes each, the reserved halves untouched).
 * Compared with the same JMP to the worker's TSS in RAM. */
static void check_jmp_tss_on_device(void)
{
	volatile struct tss32 *dev =
		(volatile struct tss32 *)(MMIOTEST_GPA + MMIOTEST_DATA + DEV_TSS);
	uint32_t si = 0x5e5e5e5e, di = 0xd5d5d5d5;
	unsigned runs;
	struct tss32 ram;

	tss_init(&tss_worker, task_worker_entry, 0, (uint32_t)pd_a);
	__asm__ volatile("ljmp $0x20, $0" ::: "memory");
	clts();
	dev_tss_fresh(dev);
	runs = worker_seen.runs;
	uint64_t reads = dev_reg(MMIOTEST_READS), writes = dev_reg(MMIOTEST_WRITES);
	__asm__ volatile("ljmp $0x70, $0" : "+S"(si), "+D"(di) : : "memory");
	reads = dev_reg(MMIOTEST_READS) - reads;
	writes = dev_reg(MMIOTEST_WRITES) - writes;
	say("TSS on the device: %u device reads, %u writes, saved EIP 0x%x "
	    "(in RAM 0x%x)", (unsigned)reads, (unsigned)writes,
	    (unsigned)dev->eip, (unsigned)tss_worker.eip);
	check(worker_seen.runs == runs + 1 && worker_seen.tr == SEL_DEV_TSS &&
	      !(worker_seen.eflags & EFLAGS_NT) &&
	      !(worker_seen.main_access & TSS_BUSY_BIT) &&
	      (worker_seen.tr_access & TSS_BUSY_BIT),
	      "jmp to a TSS on the MMIO device: the task runs with NT = 0, TR 0x70, "
	      "the old TSS available, its own busy");
	ram = tss_worker;
	ram.ecx = dev->ecx;
	ram.edx = dev->edx;
	say("TSS on the device: fields unlike RAM's: 0x%x", saved_state_diff(dev, &ram));
	check(back_in_main() && !busy(SEL_DEV_TSS) && si == 0x5e5e5e5e &&
	      di == 0xd5d5d5d5 && same_saved_state(dev, &ram) &&
	      reads == 13 && writes == 11,
	      "jmp back from the TSS on the MMIO device: TR 0x18, its state saved "
	      "there as in RAM, 13 device reads and 11 writes");
}

/* The same for CALL and IRET: the CALL reads the TSS (13 reads) and
 * stores the back link there (1 write); the IRET reads the back link
 * from the device (1 read: the CPU reads it before it would exit, so the
 * hypervisor's emulator runs the IRET) and stores the old state (11). */
static void check_call_tss_on_device(void)
{
	volatile struct tss32 *dev =
		(volatile struct tss32 *)(MMIOTEST_GPA + MMIOTEST_DATA + DEV_TSS);
	uint32_t si = 0x5c5c5c5c, di = 0xdcdcdcdc;
	unsigned runs;
	struct tss32 ram;

	tss_init(&tss_worker, task_worker_entry, 0, (uint32_t)pd_a);
	__asm__ volatile("lcall $0x20, $0" ::: "memory");
	clts();
	dev_tss_fresh(dev);
	runs = worker_seen.runs;
	uint64_t reads = dev_reg(MMIOTEST_READS), writes = dev_reg(MMIOTEST_WRITES);
	__asm__ volatile("lcall $0x70, $0" : "+S"(si), "+D"(di) : : "memory");
	reads = dev_reg(MMIOTEST_READS) - reads;
	writes = dev_reg(MMIOTEST_WRITES) - writes;
	say("TSS on the device, call and iret: %u device reads, %u writes, back link "
	    "0x%x, saved EIP 0x%x (in RAM 0x%x)", (unsigned)reads, (unsigned)writes,
	    (unsigned)dev->link, (unsigned)dev->eip, (unsigned)tss_worker.eip);
	check(worker_seen.runs == runs + 1 && worker_seen.tr == SEL_DEV_TSS &&
	      (worker_seen.eflags & EFLAGS_NT) &&
	      (worker_seen.main_access & TSS_BUSY_BIT) &&
	      (worker_seen.tr_access & TSS_BUSY_BIT),
	      "call to a TSS on the MMIO device: the task runs with NT = 1, TR 0x70, "
	      "both TSSes busy");
	ram = tss_worker;
	ram.ecx = dev->ecx;
	ram.edx = dev->edx;
	say("TSS on the device: fields unlike RAM's: 0x%x", saved_state_diff(dev, &ram));
	check(back_in_main() && !busy(SEL_DEV_TSS) && si == 0x5c5c5c5c &&
	      di == 0xdcdcdcdc && !(read_eflags() & EFLAGS_NT) &&
	      dev->link == SEL_MAIN && same_saved_state(dev, &ram) &&
	      reads == 14 && writes == 12,
	      "iret back from the TSS on the MMIO device: TR 0x18, NT = 0, back link "
	      "and state there as in RAM, 14 device reads and 12 writes");
}

int main(void)
{
	con_init();
	paging_init();
	gdt_init();
	idt_install(gate_handler);
	check(read_tr() == SEL_MAIN && busy(SEL_MAIN) && (read_cr0() & CR0_PG_BIT),
	      "set-up: TR 0x18 (busy), paging on");
	check_jmp(SEL_WORKER, "to a TSS");
	check_call(SEL_WORKER, "to a TSS");
	check_jmp(SEL_GATE, "through a task gate");
	check_call(SEL_GATE, "through a task gate");
	check_int_gate();
	check_ud_then_int();
	check_int_gate_mmio_idt();
	check_jmp_tss_on_device();
	check_call_tss_on_device();
	check_exception_with_error_code();
	check_double_fault();
	check_cr3_switch();
	check_fault(fault_busy_jmp, fault_busy_jmp_resume, VEC_GP, SEL_MAIN,
		    "jmp to the busy TSS");
	check_fault(fault_small_jmp, fault_small_jmp_resume, VEC_TS, SEL_SMALL,
		    "jmp to a TSS with limit 0x60");
	check_16bit_tss();
	check_debug_trap_and_dr7();
	check_unmapped();
	check_far_page_table();
	return (int)finish();
}
