/*
 * The local APIC of the VM's one vCPU, in xAPIC mode (apic.h). Registers,
 * priorities, EOI, the error status register, self-IPIs and the timer
 * follow the Intel SDM Vol. 3A chapter 11; the sections are cited where
 * the behaviour is decided.
 *
 * The VMM routes the MMIO exits of the APIC page here (lapic_bus_ops),
 * moves the VM clock forward (lapic_advance), and runs the INTA cycle
 * (lapic_pending, lapic_ack) before injecting with KVM_INTERRUPT. Pure
 * logic: control partition and host tests.
 */
#include <string.h>

#include "guests/ctl/apic.h"

#define NS_PER_BUS_TICK         (1000000000ULL / LAPIC_BUS_HZ)
_Static_assert(1000000000ULL % LAPIC_BUS_HZ == 0, "whole nanoseconds per bus tick");

#define FIRST_LEGAL_VECTOR      16      /* SDM 11.5.2: vectors 0-15 are illegal */
#define PRIORITY_CLASS(v)       ((unsigned)(v) >> 4)

/* Writable bits: ID and LDR bits 24-31, DFR bits 28-31, SVR bits 0-8
 * (focus checking, bit 9, and EOI-broadcast suppression, bit 12, are not
 * offered), ICR low without delivery status and reserved bits, ICR high
 * bits 24-31, divide configuration bits 0, 1, 3. */
#define SVR_WRITABLE            0x000001ffu
#define ICR_LO_WRITABLE         0x000ccfffu
#define ICR_HI_WRITABLE         0xff000000u
#define DCR_WRITABLE            0x0000000bu
#define DFR_RESERVED_ONES       0x0fffffffu
#define DFR_FLAT                0xf
#define DFR_CLUSTER             0x0

/* Writable LVT bits per entry (SDM Figure 11-8): the timer has its mode
 * (bit 17; bit 18, TSC-deadline, is not offered), LINT0/1 their polarity
 * and trigger mode, thermal and performance a delivery mode, the error
 * entry only a vector and the mask. Delivery status and remote IRR are
 * read-only. */
static const uint32_t lvt_writable[LAPIC_NLVT] = {
	[LAPIC_LVT_IDX_TIMER]   = LVT_MASKED | LVT_TIMER_PERIODIC | LVT_VECTOR,
	[LAPIC_LVT_IDX_THERMAL] = LVT_MASKED | 0x700 | LVT_VECTOR,
	[LAPIC_LVT_IDX_PERF]    = LVT_MASKED | 0x700 | LVT_VECTOR,
	[LAPIC_LVT_IDX_LINT0]   = LVT_MASKED | LVT_LEVEL | LVT_POLARITY_LOW | 0x700 | LVT_VECTOR,
	[LAPIC_LVT_IDX_LINT1]   = LVT_MASKED | LVT_LEVEL | LVT_POLARITY_LOW | 0x700 | LVT_VECTOR,
	[LAPIC_LVT_IDX_ERROR]   = LVT_MASKED | LVT_VECTOR,
};

/* ---- 256-bit vector sets: IRR, ISR, TMR ----------------------------------- */

static bool vec_test(const uint32_t *set, unsigned v)
{
	return set[v / 32] & (1u << (v % 32));
}

static void vec_set(uint32_t *set, unsigned v)
{
	set[v / 32] |= 1u << (v % 32);
}

static void vec_clear(uint32_t *set, unsigned v)
{
	set[v / 32] &= ~(1u << (v % 32));
}

/* The highest vector in the set, or -1. Two words at a time, one 64-bit
 * load each (x86 is little endian: set[2i] is the low half): lapic_pending
 * scans the IRR, nearly always empty, before every KVM_RUN. */
static inline int vec_highest(const uint32_t *set)
{
	for (int i = 3; i >= 0; i--) {
		uint64_t w;

		__builtin_memcpy(&w, &set[2 * i], sizeof(w));
		if (w)
			return i * 64 + 63 - __builtin_clzll(w);
	}
	return -1;
}

/* ---- state ------------------------------------------------------------------ */

bool lapic_hw_enabled(const struct lapic *l)
{
	return l->apic_base & APIC_BASE_ENABLE;
}

bool lapic_sw_enabled(const struct lapic *l)
{
	return l->svr & SVR_APIC_ENABLED;
}

/* The registers' power-up values (SDM 11.4.7.1); the base MSR, the clock,
 * the EOI hook and the counters stay. */
static void reset_registers(struct lapic *l)
{
	l->id = 0;
	l->tpr = 0;
	l->ldr = 0;
	l->dfr_model = DFR_FLAT;
	l->svr = SVR_RESET_VALUE;
	memset(l->isr, 0, sizeof(l->isr));
	memset(l->tmr, 0, sizeof(l->tmr));
	memset(l->irr, 0, sizeof(l->irr));
	l->esr = l->esr_pending = 0;
	l->esr_armed = true;
	l->icr_lo = l->icr_hi = 0;
	for (int i = 0; i < LAPIC_NLVT; i++)
		l->lvt[i] = LVT_RESET_VALUE;
	l->timer_initial = 0;
	l->timer_dcr = 0;
	l->timer_running = false;
	l->timer_next_ns = 0;
	l->nmi_pending = false;
}

void lapic_init(struct lapic *l, apic_eoi_fn *eoi, void *ctx)
{
	memset(l, 0, sizeof(*l));
	l->eoi = eoi;
	l->eoi_ctx = ctx;
	lapic_reset(l);
}

void lapic_reset(struct lapic *l)
{
	l->apic_base = LAPIC_DEFAULT_BASE | APIC_BASE_BSP | APIC_BASE_ENABLE;
	l->now_ns = 0;
	memset(&l->stats, 0, sizeof(l->stats));
	reset_registers(l);
}

void lapic_bios_init(struct lapic *l)
{
	l->svr = SVR_APIC_ENABLED | 0xff;
	l->lvt[LAPIC_LVT_IDX_LINT0] = LVT_LEVEL | (APIC_DM_EXTINT << 8);
	l->lvt[LAPIC_LVT_IDX_LINT1] = LVT_LEVEL | (APIC_DM_NMI << 8);
}

void lapic_set_base(struct lapic *l, uint64_t apic_base)
{
	bool was_enabled = lapic_hw_enabled(l);

	l->apic_base = apic_base & (APIC_BASE_ADDR_MASK | APIC_BASE_BSP | APIC_BASE_ENABLE);
	/* SDM 11.4.3: a globally disabled APIC may lose its state and return
	 * to the power-up one; ours does, so enabling it again starts clean. */
	if (was_enabled && !lapic_hw_enabled(l))
		reset_registers(l);
}

/* ---- priorities (SDM 11.8.3.1) --------------------------------------------- */

/*
 * PPR[7:4] is the larger of TPR[7:4] and ISRV[7:4] (ISRV: the highest
 * vector in service, 0 if none); PPR[3:0] is TPR[3:0] if TPR's class is
 * the larger, 0 if ISRV's is. When the classes are equal the SDM leaves
 * PPR[3:0] model-specific; TPR[3:0] is taken, as KVM and QEMU do.
 */
uint8_t lapic_get_ppr(const struct lapic *l)
{
	int isrv = vec_highest(l->isr);

	if (isrv < 0 || PRIORITY_CLASS(l->tpr) >= PRIORITY_CLASS(isrv))
		return l->tpr;
	return (uint8_t)(isrv & 0xf0);
}

/*
 * APR (SDM 11.6.2.4, the priority the APIC arbitrates with for
 * lowest-priority delivery): TPR if TPR's class is at least IRRV's and
 * above ISRV's, else the highest of the three classes with bits 3:0
 * clear. (The SDM writes "max(TPR[7:4] AND ISRV[7:4], IRRV[7:4])"; the
 * priority the APIC holds is the larger of what it serves and what is
 * waiting, so the maximum of the three is taken.)
 */
static uint8_t lapic_get_apr(const struct lapic *l)
{
	int isrv = vec_highest(l->isr), irrv = vec_highest(l->irr);
	unsigned tpr_class = PRIORITY_CLASS(l->tpr);
	unsigned isr_class = isrv < 0 ? 0 : PRIORITY_CLASS(isrv);
	unsigned irr_class = irrv < 0 ? 0 : PRIORITY_CLASS(irrv);
	unsigned max = tpr_class;

	if (tpr_class >= irr_class && tpr_class > isr_class)
		return l->tpr;
	if (isr_class > max)
		max = isr_class;
	if (irr_class > max)
		max = irr_class;
	return (uint8_t)(max << 4);
}

void lapic_set_tpr(struct lapic *l, uint8_t tpr)
{
	l->tpr = tpr;
}

uint8_t lapic_get_tpr(const struct lapic *l)
{
	return l->tpr;
}

/* ---- accepting and dispatching interrupts ------------------------------------ */

static bool raise_vector(struct lapic *l, unsigned vector, bool level, enum lapic_source src);

/*
 * An error is detected (SDM 11.5.3): it is logged for the next write to
 * ESR, and raises the LVT error interrupt unless one was raised since that
 * write ("this write also rearms the APIC error interrupt triggering
 * mechanism"). Disarming first also ends the chain an illegal error vector
 * would start.
 */
static void report_error(struct lapic *l, uint32_t bits)
{
	uint32_t lvt = l->lvt[LAPIC_LVT_IDX_ERROR];

	l->esr_pending |= bits;
	if (!l->esr_armed || (lvt & LVT_MASKED))
		return;
	l->esr_armed = false;
	raise_vector(l, lvt & LVT_VECTOR, false, LAPIC_SRC_ERROR);
}

/* A fixed interrupt is accepted into IRR, with its trigger mode in TMR
 * (SDM 11.8.4). */
static bool raise_vector(struct lapic *l, unsigned vector, bool level, enum lapic_source src)
{
	if (vector < FIRST_LEGAL_VECTOR) {
		l->stats.illegal_vectors++;
		report_error(l, ESR_RECV_ILLEGAL_VECTOR);
		return false;
	}
	vec_set(l->irr, vector);
	if (level)
		vec_set(l->tmr, vector);
	else
		vec_clear(l->tmr, vector);
	l->stats.raised[src]++;
	return true;
}

bool lapic_set_irq(struct lapic *l, uint8_t vector, bool level_triggered)
{
	if (!lapic_hw_enabled(l)) {
		l->stats.dropped++;
		return false;
	}
	return raise_vector(l, vector, level_triggered, LAPIC_SRC_BUS);
}

/*
 * Is this APIC a destination (SDM 11.6.2)? Physical: its ID, or 0xff for
 * all. Logical: 0xff for all; otherwise the flat model takes the message
 * if the MDA shares a bit with LDR, the cluster model if the cluster
 * (bits 7:4) is equal and the member bits (3:0) share one.
 */
static bool is_destination(const struct lapic *l, bool logical, uint8_t dest)
{
	if (dest == APIC_BROADCAST_DEST)
		return true;
	if (!logical)
		return dest == l->id;
	if (l->dfr_model == DFR_FLAT)
		return (dest & l->ldr) != 0;
	if (l->dfr_model == DFR_CLUSTER)
		return (dest >> 4) == (l->ldr >> 4) && (dest & l->ldr & 0x0f);
	return false;                   /* a model the SDM does not define */
}

static void receive_nmi(struct lapic *l)
{
	l->nmi_pending = true;
	l->stats.nmis++;
}

bool lapic_deliver(void *lapic, const struct apic_msg *m)
{
	struct lapic *l = lapic;

	if (!lapic_hw_enabled(l) || !is_destination(l, m->logical, m->dest)) {
		l->stats.dropped++;
		return false;
	}
	switch (m->delivery_mode) {
	case APIC_DM_FIXED:
	case APIC_DM_LOWEST:            /* the only CPU has the lowest priority */
		return raise_vector(l, m->vector, m->level_triggered, LAPIC_SRC_BUS);
	case APIC_DM_NMI:
		receive_nmi(l);
		return true;
	default:                        /* SMI, INIT, ExtINT: not modelled */
		l->stats.ignored++;
		return false;
	}
}

int lapic_pending(const struct lapic *l)
{
	int irrv;

	/* SDM 11.4.7.2: while software-disabled, pending interrupts are held */
	if (!lapic_hw_enabled(l) || !lapic_sw_enabled(l))
		return -1;
	irrv = vec_highest(l->irr);
	if (irrv < 0 || PRIORITY_CLASS(irrv) <= PRIORITY_CLASS(lapic_get_ppr(l)))
		return -1;
	return irrv;
}

uint8_t lapic_ack(struct lapic *l)
{
	int vector = lapic_pending(l);

	if (vector < 0) {
		l->stats.spurious++;
		return (uint8_t)(l->svr & SVR_VECTOR);
	}
	vec_clear(l->irr, (unsigned)vector);
	vec_set(l->isr, (unsigned)vector);
	l->stats.acks++;
	return (uint8_t)vector;
}

bool lapic_accepts_pic(const struct lapic *l)
{
	uint32_t lvt0 = l->lvt[LAPIC_LVT_IDX_LINT0];

	if (!lapic_hw_enabled(l))
		return true;
	return !(lvt0 & LVT_MASKED) && LVT_DELIVERY_MODE(lvt0) == APIC_DM_EXTINT;
}

bool lapic_take_nmi(struct lapic *l)
{
	bool nmi = l->nmi_pending;

	l->nmi_pending = false;
	return nmi;
}

/*
 * A write to EOI ends the highest-priority interrupt in service (SDM
 * 11.8.5); if TMR says it was level-triggered, the EOI goes on to the
 * IO-APIC, which clears Remote IRR.
 */
static void write_eoi(struct lapic *l)
{
	int isrv = vec_highest(l->isr);

	if (isrv < 0)
		return;
	vec_clear(l->isr, (unsigned)isrv);
	l->stats.eois++;
	if (vec_test(l->tmr, (unsigned)isrv)) {
		l->stats.eoi_broadcasts++;
		if (l->eoi)
			l->eoi(l->eoi_ctx, (uint8_t)isrv);
	}
}

/*
 * An IPI (SDM 11.6.1). The only APIC is this one, so a message reaches
 * something only if it names this APIC: shorthand self, all including
 * self, or a destination that matches. Fixed and lowest-priority set IRR;
 * a vector 0-15 is not sent ("send illegal vector"). NMI sets the NMI
 * flag. INIT, SIPI and SMI are ignored, as are messages to absent CPUs;
 * every IPI completes at once, so the delivery status bit reads 0.
 */
static void send_ipi(struct lapic *l)
{
	uint32_t lo = l->icr_lo;
	unsigned vector = lo & 0xff, mode = (lo >> 8) & 7;
	bool to_self;

	switch (ICR_SHORTHAND(lo)) {
	case ICR_SHORTHAND_SELF:
	case ICR_SHORTHAND_ALL:
		to_self = true;
		break;
	case ICR_SHORTHAND_OTHERS:
		to_self = false;
		break;
	default:
		to_self = is_destination(l, lo & ICR_LOGICAL, (uint8_t)(l->icr_hi >> 24));
		break;
	}
	if ((mode == APIC_DM_FIXED || mode == APIC_DM_LOWEST) && vector < FIRST_LEGAL_VECTOR) {
		l->stats.illegal_vectors++;
		report_error(l, ESR_SEND_ILLEGAL_VECTOR);
		return;
	}
	if (!to_self) {
		l->stats.ignored++;
		return;
	}
	switch (mode) {
	case APIC_DM_FIXED:
	case APIC_DM_LOWEST:
		raise_vector(l, vector, lo & ICR_TRIGGER_LEVEL, LAPIC_SRC_IPI);
		break;
	case APIC_DM_NMI:
		receive_nmi(l);
		break;
	default:
		l->stats.ignored++;
		break;
	}
}

/* SVR (SDM 11.4.7.2): clearing bit 8 software-disables the APIC, which
 * sets the mask bit of every LVT entry. */
static void write_svr(struct lapic *l, uint32_t value)
{
	l->svr = value & SVR_WRITABLE;
	if (lapic_sw_enabled(l))
		return;
	for (int i = 0; i < LAPIC_NLVT; i++)
		l->lvt[i] |= LVT_MASKED;
}

/* While the APIC is software-disabled, "attempts to reset these [mask]
 * bits will be ignored" (SDM 11.4.7.2). */
static void write_lvt(struct lapic *l, unsigned idx, uint32_t value)
{
	l->lvt[idx] = value & lvt_writable[idx];
	if (!lapic_sw_enabled(l))
		l->lvt[idx] |= LVT_MASKED;
}

/* ---- the timer (SDM 11.5.4) ---------------------------------------------------- */

/* Nanoseconds per count: the bus clock divided by the divide value that
 * DCR bits 3, 1, 0 select (000 -> 2, 001 -> 4, ..., 110 -> 128, 111 -> 1). */
static uint64_t ns_per_count(const struct lapic *l)
{
	unsigned code = (l->timer_dcr & 3) | ((l->timer_dcr >> 1) & 4);

	return NS_PER_BUS_TICK << ((code + 1) & 7);
}

/*
 * The count at the present time: the counts left before timer_next_ns,
 * rounded up (a count of 1 lasts until the moment the timer expires).
 * This gives N - k after k whole counts of a one-shot or periodic period
 * of N, N again just after a periodic reload, and 0 once stopped.
 */
uint32_t lapic_timer_count(const struct lapic *l)
{
	uint64_t per = ns_per_count(l);

	if (!l->timer_running)
		return 0;
	return (uint32_t)((l->timer_next_ns - l->now_ns + per - 1) / per);
}

/* Writing the initial count (re)starts the count from it; writing 0 stops
 * the timer in either mode. */
static void write_initial_count(struct lapic *l, uint32_t count)
{
	l->timer_initial = count;
	l->timer_running = count != 0;
	l->timer_next_ns = l->now_ns + count * ns_per_count(l);
}

/* A new divide value takes effect for the counts that remain. */
static void write_divide_config(struct lapic *l, uint32_t value)
{
	uint32_t left = lapic_timer_count(l);

	l->timer_dcr = value & DCR_WRITABLE;
	if (l->timer_running)
		l->timer_next_ns = l->now_ns + left * ns_per_count(l);
}

/* The count reached 0 at timer_next_ns: one interrupt, and a periodic
 * timer reloads from the initial count at the phase it would have had. */
static void timer_expire(struct lapic *l)
{
	uint32_t lvt = l->lvt[LAPIC_LVT_IDX_TIMER];
	uint64_t period, missed;

	l->stats.timer_expiries++;
	if (!(lvt & LVT_MASKED))
		raise_vector(l, lvt & LVT_VECTOR, false, LAPIC_SRC_TIMER);
	if (!(lvt & LVT_TIMER_PERIODIC)) {
		l->timer_running = false;
		return;
	}
	period = l->timer_initial * ns_per_count(l);
	missed = (l->now_ns - l->timer_next_ns) / period;
	l->stats.timer_missed_periods += missed;
	l->timer_next_ns += (missed + 1) * period;
}

void lapic_advance(struct lapic *l, uint64_t now_ns)
{
	if (now_ns <= l->now_ns)
		return;
	l->now_ns = now_ns;
	if (l->timer_running && now_ns >= l->timer_next_ns)
		timer_expire(l);
}

uint64_t lapic_next_event(const struct lapic *l)
{
	if (!l->timer_running || (l->lvt[LAPIC_LVT_IDX_TIMER] & LVT_MASKED))
		return LAPIC_NEVER;
	return l->timer_next_ns;
}

/* ---- the register page (SDM Table 11-1) ---------------------------------------- */

static bool is_lvt(uint64_t reg)
{
	return reg >= LAPIC_LVT_TIMER && reg <= LAPIC_LVT_ERROR;
}

static unsigned lvt_index(uint64_t reg)
{
	return (unsigned)(reg - LAPIC_LVT_TIMER) >> 4;
}

/* One of the eight 32-bit words of ISR, TMR or IRR at base. */
static bool in_vector_set(uint64_t reg, uint64_t base)
{
	return reg >= base && reg < base + 0x80;
}

static unsigned set_word(uint64_t reg, uint64_t base)
{
	return (unsigned)(reg - base) >> 4;
}

/* The 32-bit register at 16-byte-aligned offset reg. */
static uint32_t read_register(struct lapic *l, uint64_t reg)
{
	if (in_vector_set(reg, LAPIC_ISR))
		return l->isr[set_word(reg, LAPIC_ISR)];
	if (in_vector_set(reg, LAPIC_TMR))
		return l->tmr[set_word(reg, LAPIC_TMR)];
	if (in_vector_set(reg, LAPIC_IRR))
		return l->irr[set_word(reg, LAPIC_IRR)];
	if (is_lvt(reg))
		return l->lvt[lvt_index(reg)];
	switch (reg) {
	case LAPIC_ID:          return (uint32_t)l->id << 24;
	case LAPIC_VERSION:     return LAPIC_VERSION_VALUE;
	case LAPIC_TPR:         return l->tpr;
	case LAPIC_APR:         return lapic_get_apr(l);
	case LAPIC_PPR:         return lapic_get_ppr(l);
	case LAPIC_EOI:         return 0;       /* write-only */
	case LAPIC_RRD:         return 0;       /* no remote read */
	case LAPIC_LDR:         return (uint32_t)l->ldr << 24;
	case LAPIC_DFR:         return ((uint32_t)l->dfr_model << 28) | DFR_RESERVED_ONES;
	case LAPIC_SVR:         return l->svr;
	case LAPIC_ESR:         return l->esr;
	case LAPIC_ICR_LO:      return l->icr_lo;
	case LAPIC_ICR_HI:      return l->icr_hi;
	case LAPIC_TIMER_ICR:   return l->timer_initial;
	case LAPIC_TIMER_CCR:   return lapic_timer_count(l);
	case LAPIC_TIMER_DCR:   return l->timer_dcr;
	default:
		report_error(l, ESR_ILLEGAL_REGISTER);
		return 0;
	}
}

/* Read-only registers ignore writes. */
static bool is_read_only(uint64_t reg)
{
	return reg == LAPIC_VERSION || reg == LAPIC_APR || reg == LAPIC_PPR ||
	       reg == LAPIC_RRD || reg == LAPIC_TIMER_CCR ||
	       in_vector_set(reg, LAPIC_ISR) || in_vector_set(reg, LAPIC_TMR) ||
	       in_vector_set(reg, LAPIC_IRR);
}

static void write_register(struct lapic *l, uint64_t reg, uint32_t value)
{
	if (is_read_only(reg))
		return;
	if (is_lvt(reg)) {
		write_lvt(l, lvt_index(reg), value);
		return;
	}
	switch (reg) {
	case LAPIC_ID:          l->id = (uint8_t)(value >> 24); break;
	case LAPIC_TPR:         lapic_set_tpr(l, (uint8_t)value); break;
	case LAPIC_EOI:         write_eoi(l); break;
	case LAPIC_LDR:         l->ldr = (uint8_t)(value >> 24); break;
	case LAPIC_DFR:         l->dfr_model = (uint8_t)(value >> 28); break;
	case LAPIC_SVR:         write_svr(l, value); break;
	case LAPIC_ESR:
		/* SDM 11.5.3: the write latches the errors since the last one
		 * into the readable register, and rearms the interrupt */
		l->esr = l->esr_pending;
		l->esr_pending = 0;
		l->esr_armed = true;
		break;
	case LAPIC_ICR_LO:
		l->icr_lo = value & ICR_LO_WRITABLE;
		send_ipi(l);
		break;
	case LAPIC_ICR_HI:      l->icr_hi = value & ICR_HI_WRITABLE; break;
	case LAPIC_TIMER_ICR:   write_initial_count(l, value); break;
	case LAPIC_TIMER_DCR:   write_divide_config(l, value); break;
	default:
		report_error(l, ESR_ILLEGAL_REGISTER);
		break;
	}
}

/*
 * Any size: each byte of the access is byte (offset & 3) of the register
 * at (offset & ~0xf) if (offset & 0xf) < 4, else 0. A register is read
 * once per access (an 8-byte read can touch two).
 */
static uint64_t lapic_mmio_read(void *opaque, uint64_t offset, unsigned size)
{
	struct lapic *l = opaque;
	uint64_t result = 0, slot = UINT64_MAX;
	uint32_t value = 0;

	/* Globally disabled, the processor is one without an on-chip APIC
	 * (SDM 11.4.3): its accesses reach the platform, where nothing
	 * decodes the interrupt range 0xfee00000-0xfeefffff, so a read ends
	 * as a bus error does on a PC: all ones. Writes go nowhere. */
	if (!lapic_hw_enabled(l))
		return size >= 8 ? UINT64_MAX : (1ULL << (8 * size)) - 1;
	for (unsigned i = 0; i < size && i < 8; i++) {
		uint64_t o = offset + i;

		if (o >= LAPIC_MMIO_BYTES || (o & 0xf) >= 4)
			continue;
		if ((o & ~0xfULL) != slot) {
			slot = o & ~0xfULL;
			value = read_register(l, slot);
		}
		result |= (uint64_t)((value >> (8 * (o & 3))) & 0xff) << (8 * i);
	}
	return result;
}

static void lapic_mmio_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
	struct lapic *l = opaque;

	if (!lapic_hw_enabled(l))
		return;
	if (size != 4 || (offset & 0xf) || offset >= LAPIC_MMIO_BYTES) {
		l->stats.bad_accesses++;
		return;
	}
	write_register(l, offset, (uint32_t)value);
}

const struct bus_device_ops lapic_bus_ops = {
	.read = lapic_mmio_read,
	.write = lapic_mmio_write,
};
