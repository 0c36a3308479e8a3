/*
 * The MC146818 real-time clock and its CMOS RAM (devices.h), on the VM's
 * virtual clock. Register layout and behaviour: Motorola MC146818A data
 * sheet ("Address map", "Registers", "Update cycle", "Interrupts"); the
 * memory bytes follow the IBM PC/AT BIOS map.
 *
 * The clock is Unix time in nanoseconds: now_ns + epoch_offset_ns. While it
 * runs, the time registers are computed from it when read; when the guest
 * stops it (register B.SET, or a divider reset) they are frozen into
 * cmos[] and take the guest's writes, and restarting it recomputes the
 * offset from them. The divider's phase is the offset's: updates happen
 * when Unix time crosses a whole second, periodic ticks at multiples of
 * the period inside each second. Pure logic: control partition and host
 * tests.
 */
#include <string.h>

#include "guests/ctl/devices.h"

#define NS_PER_SEC              1000000000ULL
#define UIP_NS                  244000ULL       /* UIP before an update */
#define DIVIDER_RESET           0x60            /* A bits 6-5 = 11 */
#define DIVIDER_32K             0x20            /* A bits 6-4 = 010 */
#define TICKS_PER_SEC           32768ULL        /* the time base */
#define SECONDS_PER_DAY         86400ULL
#define FIRST_YEAR              1970

/* ---- calendar: Unix days <-> dates (proleptic Gregorian) ---------------- */

struct rtc_date {
	unsigned year, month, day;              /* month 1-12, day 1-31 */
	unsigned hour, minute, second;
	unsigned weekday;                       /* 1 = Sunday ... 7 = Saturday */
};

static bool leap_year(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(unsigned y, unsigned m)
{
	static const uint8_t days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return days[m - 1] + (m == 2 && leap_year(y));
}

static struct rtc_date date_of(uint64_t unix_seconds)
{
	struct rtc_date d;
	uint64_t days = unix_seconds / SECONDS_PER_DAY;
	unsigned sod = (unsigned)(unix_seconds % SECONDS_PER_DAY);

	d.hour = sod / 3600;
	d.minute = sod / 60 % 60;
	d.second = sod % 60;
	d.weekday = (unsigned)((days + 4) % 7) + 1;     /* 1970-01-01: Thursday */
	d.year = FIRST_YEAR;
	while (days >= 365u + leap_year(d.year))
		days -= 365u + leap_year(d.year++);
	d.month = 1;
	while (days >= days_in_month(d.year, d.month))
		days -= days_in_month(d.year, d.month++);
	d.day = (unsigned)days + 1;
	return d;
}

/* Fields must be in range (clamp_date). */
static uint64_t unix_seconds_of(const struct rtc_date *d)
{
	uint64_t days = d->day - 1;

	for (unsigned y = FIRST_YEAR; y < d->year; y++)
		days += 365u + leap_year(y);
	for (unsigned m = 1; m < d->month; m++)
		days += days_in_month(d->year, m);
	return days * SECONDS_PER_DAY + d->hour * 3600u + d->minute * 60u + d->second;
}

static unsigned clamp(unsigned v, unsigned lo, unsigned hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* Whatever the guest wrote, a date the calendar can count. */
static void clamp_date(struct rtc_date *d)
{
	d->year = clamp(d->year, FIRST_YEAR, 2099);
	d->month = clamp(d->month, 1, 12);
	d->day = clamp(d->day, 1, days_in_month(d->year, d->month));
	d->hour = clamp(d->hour, 0, 23);
	d->minute = clamp(d->minute, 0, 59);
	d->second = clamp(d->second, 0, 59);
}

/* ---- register encodings (register B: DM and 24/12) --------------------- */

static bool binary_mode(const struct rtc146818 *r)
{
	return r->cmos[RTC_REG_B] & RTC_B_DM_BINARY;
}

static uint8_t to_reg(const struct rtc146818 *r, unsigned v)
{
	return binary_mode(r) ? (uint8_t)v : (uint8_t)(((v / 10) << 4) | (v % 10));
}

static unsigned from_reg(const struct rtc146818 *r, uint8_t v)
{
	return binary_mode(r) ? v : (unsigned)(v >> 4) * 10 + (v & 0x0f);
}

/* 12-hour form: 1-12 with bit 7 for PM (data sheet, Table 3). */
static uint8_t hour_to_reg(const struct rtc146818 *r, unsigned hour)
{
	unsigned h12 = hour % 12 ? hour % 12 : 12;

	if (r->cmos[RTC_REG_B] & RTC_B_24H)
		return to_reg(r, hour);
	return (uint8_t)(to_reg(r, h12) | (hour >= 12 ? 0x80 : 0));
}

static unsigned hour_from_reg(const struct rtc146818 *r, uint8_t v)
{
	if (r->cmos[RTC_REG_B] & RTC_B_24H)
		return from_reg(r, v);
	return from_reg(r, v & 0x7f) % 12 + ((v & 0x80) ? 12 : 0);
}

/* ---- the clock ----------------------------------------------------------- */

static uint64_t epoch_ns(const struct rtc146818 *r)
{
	return r->now_ns + r->epoch_offset_ns;
}

uint64_t rtc_unix_seconds(const struct rtc146818 *r)
{
	return epoch_ns(r) / NS_PER_SEC;
}

static bool divider_running(const struct rtc146818 *r)
{
	return (r->cmos[RTC_REG_A] & DIVIDER_RESET) != DIVIDER_RESET;
}

/* The time registers count (SET clear, divider not in reset). */
static bool clock_running(const struct rtc146818 *r)
{
	return divider_running(r) && !(r->cmos[RTC_REG_B] & RTC_B_SET);
}

static bool is_time_register(unsigned index)
{
	return index == RTC_SECONDS || index == RTC_MINUTES || index == RTC_HOURS ||
	       (index >= RTC_DAY_OF_WEEK && index <= RTC_YEAR) || index == RTC_CENTURY;
}

/* Writes the clock's current time into the time registers. */
static void snapshot_time(struct rtc146818 *r)
{
	struct rtc_date d = date_of(rtc_unix_seconds(r));

	r->cmos[RTC_SECONDS] = to_reg(r, d.second);
	r->cmos[RTC_MINUTES] = to_reg(r, d.minute);
	r->cmos[RTC_HOURS] = hour_to_reg(r, d.hour);
	r->cmos[RTC_DAY_OF_WEEK] = to_reg(r, d.weekday);
	r->cmos[RTC_DAY_OF_MONTH] = to_reg(r, d.day);
	r->cmos[RTC_MONTH] = to_reg(r, d.month);
	r->cmos[RTC_YEAR] = to_reg(r, d.year % 100);
	r->cmos[RTC_CENTURY] = to_reg(r, d.year / 100);
}

/* The time the registers hold; the century byte if it says 19 or 20, else
 * years 70-99 are 19xx and 00-69 are 20xx. */
static uint64_t registers_time(const struct rtc146818 *r)
{
	struct rtc_date d;
	unsigned century = from_reg(r, r->cmos[RTC_CENTURY]);
	unsigned yy = from_reg(r, r->cmos[RTC_YEAR]) % 100;

	if (century != 19 && century != 20)
		century = yy >= 70 ? 19 : 20;
	d.year = century * 100 + yy;
	d.month = from_reg(r, r->cmos[RTC_MONTH]);
	d.day = from_reg(r, r->cmos[RTC_DAY_OF_MONTH]);
	d.hour = hour_from_reg(r, r->cmos[RTC_HOURS]);
	d.minute = from_reg(r, r->cmos[RTC_MINUTES]);
	d.second = from_reg(r, r->cmos[RTC_SECONDS]);
	clamp_date(&d);
	return unix_seconds_of(&d);
}

/* Restarts the clock from the registers, `phase_ns` into their second. */
static void rebase(struct rtc146818 *r, uint64_t phase_ns)
{
	r->epoch_offset_ns = registers_time(r) * NS_PER_SEC + phase_ns - r->now_ns;
}

/* ---- interrupts ------------------------------------------------------------ */

/* IRQF: a flag in C whose enable in B is set (same bit positions). */
static bool irqf(const struct rtc146818 *r)
{
	return r->cmos[RTC_REG_C] & r->cmos[RTC_REG_B] & (RTC_C_PF | RTC_C_AF | RTC_C_UF);
}

int rtc_irq_level(const struct rtc146818 *r)
{
	return irqf(r);
}

static void update_irq(struct rtc146818 *r)
{
	int level = rtc_irq_level(r);

	if (level == r->irq_level)
		return;
	r->irq_level = level;
	if (level)
		r->irq_raises++;
	if (r->irq)
		r->irq(r->irq_ctx, level);
}

/* Register A rate 1-15 as a period in 32.768 kHz ticks (data sheet,
 * Table 5: rates 1 and 2 repeat 8 and 9); 0 for rate 0 (off). */
static uint64_t periodic_ticks(const struct rtc146818 *r)
{
	unsigned rate = r->cmos[RTC_REG_A] & RTC_A_RATE;

	if (rate == 0)
		return 0;
	return rate <= 2 ? 1ULL << (rate + 6) : 1ULL << (rate - 1);
}

/* The first periodic tick strictly after epoch time e (ns). Periods divide
 * a second, so ticks restart at each second boundary. */
static uint64_t next_tick_after(uint64_t e, uint64_t period)
{
	uint64_t sec = e / NS_PER_SEC, frac = e % NS_PER_SEC;
	uint64_t tick = frac * TICKS_PER_SEC / NS_PER_SEC;
	uint64_t next = (tick / period + 1) * period;

	return sec * NS_PER_SEC + (next * NS_PER_SEC + TICKS_PER_SEC - 1) / TICKS_PER_SEC;
}

/* The chip compares each alarm byte with the time register it stands
 * for, as encoded (data sheet, "Alarm"); 11xxxxxx matches any value. */
static bool alarm_byte_matches(uint8_t alarm, uint8_t time_register)
{
	return (alarm & RTC_ALARM_DONT_CARE) == RTC_ALARM_DONT_CARE || alarm == time_register;
}

static bool alarm_hour_minute_match(const struct rtc146818 *r, uint64_t unix_seconds)
{
	unsigned sod = (unsigned)(unix_seconds % SECONDS_PER_DAY);

	return alarm_byte_matches(r->cmos[RTC_MINUTES_ALARM], to_reg(r, sod / 60 % 60)) &&
	       alarm_byte_matches(r->cmos[RTC_HOURS_ALARM], hour_to_reg(r, sod / 3600));
}

/* The second of each minute the alarm wants: 0-59, -1 for any, 60 for
 * none (a byte no seconds register ever holds). */
static int alarm_second(const struct rtc146818 *r)
{
	uint8_t alarm = r->cmos[RTC_SECONDS_ALARM];
	unsigned s = from_reg(r, alarm);

	if ((alarm & RTC_ALARM_DONT_CARE) == RTC_ALARM_DONT_CARE)
		return -1;
	return s < 60 && to_reg(r, s) == alarm ? (int)s : 60;
}

/* The first second in (from, to] the alarm matches, or 0: one candidate
 * per minute, and a day holds every hour and minute, so at most the last
 * day of the span is searched (1441 minutes). */
static uint64_t first_alarm(const struct rtc146818 *r, uint64_t from, uint64_t to)
{
	int want = alarm_second(r);
	uint64_t start = to - from > SECONDS_PER_DAY ? to - SECONDS_PER_DAY + 1 : from + 1;

	if (want == 60)
		return 0;
	for (uint64_t minute = start - start % 60; minute <= to; minute += 60) {
		uint64_t s = want < 0 ? (minute > start ? minute : start) : minute + (unsigned)want;

		if (s < start)
			continue;
		if (s > to)
			break;
		if (alarm_hour_minute_match(r, s))
			return s;
	}
	return 0;
}

void rtc_advance(struct rtc146818 *r, uint64_t now_ns)
{
	uint64_t e0 = epoch_ns(r), e1, period = periodic_ticks(r);

	if (now_ns <= r->now_ns)
		return;
	e1 = e0 + (now_ns - r->now_ns);
	if (divider_running(r) && period && next_tick_after(e0, period) <= e1) {
		r->cmos[RTC_REG_C] |= RTC_C_PF;
		r->periodic_ticks++;
	}
	if (clock_running(r) && e1 / NS_PER_SEC > e0 / NS_PER_SEC) {
		r->cmos[RTC_REG_C] |= RTC_C_UF;
		r->updates++;
		if (first_alarm(r, e0 / NS_PER_SEC, e1 / NS_PER_SEC)) {
			r->cmos[RTC_REG_C] |= RTC_C_AF;
			r->alarms++;
		}
	}
	r->now_ns = now_ns;
	update_irq(r);
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

uint64_t rtc_next_event(const struct rtc146818 *r)
{
	uint64_t e = epoch_ns(r), sec = e / NS_PER_SEC, next = RTC_NEVER;
	uint8_t b = r->cmos[RTC_REG_B];
	uint64_t period = periodic_ticks(r), alarm;

	if ((b & RTC_B_PIE) && divider_running(r) && period)
		next = next_tick_after(e, period) - r->epoch_offset_ns;
	if ((b & RTC_B_UIE) && clock_running(r))
		next = min_u64(next, (sec + 1) * NS_PER_SEC - r->epoch_offset_ns);
	if ((b & RTC_B_AIE) && clock_running(r)) {
		alarm = first_alarm(r, sec, sec + SECONDS_PER_DAY);
		if (alarm)
			next = min_u64(next, alarm * NS_PER_SEC - r->epoch_offset_ns);
	}
	return next;
}

/* ---- registers --------------------------------------------------------- */

static bool update_in_progress(const struct rtc146818 *r)
{
	return clock_running(r) && epoch_ns(r) % NS_PER_SEC >= NS_PER_SEC - UIP_NS;
}

static uint8_t read_cmos(struct rtc146818 *r, unsigned index)
{
	uint8_t v;

	switch (index) {
	case RTC_REG_A:
		return (uint8_t)((r->cmos[RTC_REG_A] & ~RTC_A_UIP) |
				 (update_in_progress(r) ? RTC_A_UIP : 0));
	case RTC_REG_C:
		/* Reading C clears every flag and lowers IRQ (data sheet). */
		v = r->cmos[RTC_REG_C] | (irqf(r) ? RTC_C_IRQF : 0);
		r->cmos[RTC_REG_C] = 0;
		update_irq(r);
		return v;
	case RTC_REG_D:
		return RTC_D_VRT;
	default:
		if (is_time_register(index) && clock_running(r))
			snapshot_time(r);
		return r->cmos[index];
	}
}

/* Stopping freezes the registers; restarting recomputes the offset. A
 * released divider makes its first update half a second later; SET
 * released, a whole second later. */
static void clock_transition(struct rtc146818 *r, bool was_running, uint64_t phase_ns)
{
	bool running = clock_running(r);

	if (!was_running && running)
		rebase(r, phase_ns);
}

static void write_reg_a(struct rtc146818 *r, uint8_t value)
{
	bool was_running = clock_running(r);

	if (was_running)
		snapshot_time(r);
	r->cmos[RTC_REG_A] = value & ~RTC_A_UIP;
	clock_transition(r, was_running, NS_PER_SEC / 2);
}

static void write_reg_b(struct rtc146818 *r, uint8_t value)
{
	bool was_running = clock_running(r);

	if (was_running)
		snapshot_time(r);
	/* SET going high clears UIE (data sheet, register B bit 4). */
	if (value & RTC_B_SET)
		value &= (uint8_t)~RTC_B_UIE;
	r->cmos[RTC_REG_B] = value;
	clock_transition(r, was_running, 0);
	update_irq(r);
}

/* A running clock takes a new time register value at once and keeps
 * counting from it, in the same phase of its second. */
static void write_time_register(struct rtc146818 *r, unsigned index, uint8_t value)
{
	uint64_t phase;

	if (!clock_running(r)) {
		r->cmos[index] = value;
		return;
	}
	phase = epoch_ns(r) % NS_PER_SEC;
	snapshot_time(r);
	r->cmos[index] = value;
	rebase(r, phase);
}

static void write_cmos(struct rtc146818 *r, unsigned index, uint8_t value)
{
	switch (index) {
	case RTC_REG_A:
		write_reg_a(r, value);
		break;
	case RTC_REG_B:
		write_reg_b(r, value);
		break;
	case RTC_REG_C:
	case RTC_REG_D:
		break;                          /* read-only */
	default:
		if (is_time_register(index))
			write_time_register(r, index, value);
		else
			r->cmos[index] = value;
		break;
	}
}

uint8_t rtc_read(struct rtc146818 *r, unsigned port_offset)
{
	if (port_offset != 1)
		return 0xff;                    /* the index port is write-only */
	r->reads++;
	return read_cmos(r, r->index);
}

void rtc_write(struct rtc146818 *r, unsigned port_offset, uint8_t value)
{
	if (port_offset == 0) {
		r->index = value & 0x7f;
		r->nmi_masked = value & 0x80;
		return;
	}
	if (port_offset == 1) {
		r->writes++;
		write_cmos(r, r->index, value);
	}
}

bool rtc_nmi_masked(const struct rtc146818 *r)
{
	return r->nmi_masked;
}

void rtc_init(struct rtc146818 *r, rtc_irq_fn *irq, void *ctx, uint64_t unix_seconds)
{
	memset(r, 0, sizeof(*r));
	r->irq = irq;
	r->irq_ctx = ctx;
	r->epoch_offset_ns = unix_seconds * NS_PER_SEC;
	r->cmos[RTC_REG_A] = DIVIDER_32K | 6;   /* 1024 Hz */
	r->cmos[RTC_REG_B] = RTC_B_24H;
	r->cmos[RTC_REG_D] = RTC_D_VRT;
	snapshot_time(r);
}

/* ---- the BIOS memory bytes ----------------------------------------------- */

#define CMOS_DIAGNOSTIC         0x0e
#define CMOS_FLOPPY             0x10
#define CMOS_EQUIPMENT          0x14
#define CMOS_BASE_MEM           0x15
#define CMOS_EXT_MEM            0x17
#define CMOS_CHECKSUM           0x2e
#define CMOS_EXT_MEM2           0x30
#define CMOS_MEM_ABOVE_16M      0x34
#define CMOS_MEM_ABOVE_4G       0x5b
#define EQUIPMENT_FPU           0x02    /* no floppies, EGA/VGA-class display */
#define KIB                     1024ULL
#define MIB                     (1024 * KIB)

static void put16(struct rtc146818 *r, unsigned index, uint64_t v)
{
	r->cmos[index] = (uint8_t)v;
	r->cmos[index + 1] = (uint8_t)(v >> 8);
}

/* The checksum of 0x10-0x2d, high byte first (PC/AT BIOS convention). */
static void set_checksum(struct rtc146818 *r)
{
	unsigned sum = 0;

	for (unsigned i = CMOS_FLOPPY; i < CMOS_CHECKSUM; i++)
		sum += r->cmos[i];
	r->cmos[CMOS_CHECKSUM] = (uint8_t)(sum >> 8);
	r->cmos[CMOS_CHECKSUM + 1] = (uint8_t)sum;
}

void rtc_set_memory_layout(struct rtc146818 *r, uint64_t below_4g, uint64_t above_4g)
{
	uint64_t ext_kib = below_4g > MIB ? (below_4g - MIB) / KIB : 0;
	uint64_t above_16m = below_4g > 16 * MIB ? (below_4g - 16 * MIB) / (64 * KIB) : 0;
	uint64_t high = above_4g / (64 * KIB);

	r->cmos[CMOS_DIAGNOSTIC] = 0;
	r->cmos[CMOS_FLOPPY] = 0;
	r->cmos[CMOS_EQUIPMENT] = EQUIPMENT_FPU;
	put16(r, CMOS_BASE_MEM, 640);
	put16(r, CMOS_EXT_MEM, min_u64(ext_kib, 0xffff));
	put16(r, CMOS_EXT_MEM2, min_u64(ext_kib, 0xffff));
	put16(r, CMOS_MEM_ABOVE_16M, min_u64(above_16m, 0xffff));
	high = min_u64(high, 0xffffff);
	r->cmos[CMOS_MEM_ABOVE_4G] = (uint8_t)high;
	r->cmos[CMOS_MEM_ABOVE_4G + 1] = (uint8_t)(high >> 8);
	r->cmos[CMOS_MEM_ABOVE_4G + 2] = (uint8_t)(high >> 16);
	set_checksum(r);
}

void rtc_set_memory_size(struct rtc146818 *r, uint64_t ram_bytes)
{
	uint64_t below = min_u64(ram_bytes, 4096 * MIB);

	rtc_set_memory_layout(r, below, ram_bytes - below);
}

/* ---- the bus: byte registers; wider accesses split into bytes ---------- */

static uint64_t bus_read(void *opaque, uint64_t offset, unsigned size)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < size; i++) {
		uint8_t b = offset + i < RTC_NPORTS ? rtc_read(opaque, (unsigned)(offset + i)) : 0xff;

		v |= (uint64_t)b << (8 * i);
	}
	return v;
}

static void bus_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
	for (unsigned i = 0; i < size && offset + i < RTC_NPORTS; i++)
		rtc_write(opaque, (unsigned)(offset + i), (uint8_t)(value >> (8 * i)));
}

const struct bus_device_ops rtc146818_bus_ops = {
	.read = bus_read,
	.write = bus_write,
};
