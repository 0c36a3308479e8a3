/*
 * ACPI 1.0b tables for a Linux guest (loader.h): RSDP, RSDT, FADT, FACS,
 * DSDT, MADT. Layouts: ACPI specification 1.0b chapter 5 ("ACPI Software
 * Programming Model"), the same fields that later revisions keep at the
 * same offsets (6.x, 5.2.5-5.2.12); ACPICA's actbl.h/actbl1.h name them.
 * We write revision-1 structures on purpose: an OS accepts them, and they
 * need neither the 64-bit X_ fields nor the GAS structures of 2.0+.
 * Pure logic: control partition and host tests.
 */
#include <string.h>

#include "guests/ctl/devices.h"
#include "guests/ctl/loader.h"

static void wr16(uint8_t *p, uint16_t v) { memcpy(p, &v, sizeof(v)); }
static void wr32(uint8_t *p, uint32_t v) { memcpy(p, &v, sizeof(v)); }

/* 5.2.2 (RSDP) and 5.2.5 (headers): all bytes, checksum included, sum to 0. */
static uint8_t checksum(const uint8_t *p, size_t n)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < n; i++)
		sum = (uint8_t)(sum + p[i]);
	return (uint8_t)-sum;
}

/* Table 5-3, the System Description Table header; the checksum (byte 9)
 * is filled in by finish_table once the body is written. */
static void put_header(uint8_t *t, const char sig[4], uint32_t length,
		       uint8_t revision)
{
	memset(t, 0, length);
	memcpy(t, sig, 4);
	wr32(t + 4, length);
	t[8] = revision;
	memcpy(t + 10, ACPI_OEM_ID, 6);
	memcpy(t + 16, ACPI_OEM_TABLE_ID, 8);
	wr32(t + 24, 1);                        /* OEM revision */
	memcpy(t + 28, ACPI_CREATOR_ID, 4);
	wr32(t + 32, 1);                        /* creator revision */
}

static void finish_table(uint8_t *t)
{
	uint32_t length;

	memcpy(&length, t + 4, sizeof(length));
	t[9] = checksum(t, length);
}

/* 5.2.4: revision 0 (ACPI 1.0) is 20 bytes; its checksum covers them. */
static void put_rsdp(uint8_t *r, uint32_t rsdt_gpa)
{
	memset(r, 0, ACPI_RSDP_BYTES);
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, ACPI_OEM_ID, 6);
	r[15] = 0;                              /* revision: ACPI 1.0 */
	wr32(r + 16, rsdt_gpa);
	r[8] = checksum(r, ACPI_RSDP_BYTES);
}

/* 5.2.6: the header and 32-bit table addresses. */
static void put_rsdt(uint8_t *t, uint32_t fadt_gpa, uint32_t madt_gpa)
{
	put_header(t, "RSDT", ACPI_RSDT_BYTES, 1);
	wr32(t + ACPI_HEADER_BYTES, fadt_gpa);
	wr32(t + ACPI_HEADER_BYTES + 4, madt_gpa);
	finish_table(t);
}

/* 5.2.9: FACS, no checksum. Hardware signature 0, no waking vector (we
 * have no S1-S4 to wake from), global lock 0, no S4BIOS. */
static void put_facs(uint8_t *f)
{
	memset(f, 0, ACPI_FACS_BYTES);
	memcpy(f, "FACS", 4);
	wr32(f + 4, ACPI_FACS_BYTES);
}

/* The PM1a/PM timer blocks of dev_acpi_pm.c; no PM1b, PM2 or GPE block
 * (addresses and lengths 0). */
static void put_fadt_blocks(uint8_t *t)
{
	wr32(t + FADT_PM1A_EVT_BLK, ACPI_PM1_EVT_PORT);
	wr32(t + FADT_PM1A_CNT_BLK, ACPI_PM1_CNT_PORT);
	wr32(t + FADT_PM_TMR_BLK, ACPI_PM_TMR_PORT);
	t[FADT_PM1_EVT_LEN] = ACPI_PM1_EVT_LEN;
	t[FADT_PM1_CNT_LEN] = ACPI_PM1_CNT_LEN;
	t[FADT_PM_TMR_LEN] = ACPI_PM_TMR_LEN;
}

/*
 * 5.2.8 (1.0b table 5-7). INT_MODEL 0 is the dual-PIC model, as 1.0b
 * defines it (the OS picks the APIC through _PIC, which we do not need).
 * SMI_CMD 0: no ACPI/legacy transition, SCI_EN is hardwired (ACPI 6.x
 * 4.8.2.1.x, "system does not support mode transition"), so ACPI_ENABLE
 * and ACPI_DISABLE stay 0. P_LVL2_LAT > 100 and P_LVL3_LAT > 1000 say C2
 * and C3 are unsupported; FLUSH_SIZE/STRIDE are for WBINVD-less systems
 * (0). DAY_ALRM/MON_ALRM 0: no RTC alarm extensions; CENTURY points at the
 * PC/AT century byte our RTC keeps.
 *
 * Flags (table 5-8): WBINVD (the CPU's works), PROC_C1 (HLT), PWR_BUTTON
 * and SLP_BUTTON set, which means "no fixed-feature button" (a control
 * method one or none: the DSDT has none), FIX_RTC set (no RTC_STS wake in
 * PM1: dev_acpi_pm.c does not model it), TMR_VAL_EXT (32-bit PM timer).
 */
static void put_fadt(uint8_t *t, uint32_t facs_gpa, uint32_t dsdt_gpa)
{
	put_header(t, "FACP", ACPI_FADT_BYTES, 1);
	wr32(t + FADT_FIRMWARE_CTRL, facs_gpa);
	wr32(t + FADT_DSDT, dsdt_gpa);
	t[FADT_INT_MODEL] = 0;
	wr16(t + FADT_SCI_INT, ACPI_SCI_IRQ);
	wr32(t + FADT_SMI_CMD, 0);
	put_fadt_blocks(t);
	wr16(t + FADT_P_LVL2_LAT, FADT_P_LVL2_NONE);
	wr16(t + FADT_P_LVL3_LAT, FADT_P_LVL3_NONE);
	t[FADT_CENTURY] = RTC_CENTURY;
	wr32(t + FADT_FLAGS, FADT_F_WBINVD | FADT_F_PROC_C1 | FADT_F_PWR_BUTTON |
			     FADT_F_SLP_BUTTON | FADT_F_FIX_RTC | FADT_F_TMR_VAL_EXT);
	finish_table(t);
}

/*
 * The DSDT's AML (ACPI 6.x 20.2, "AML Grammar Definition"), written by
 * hand: Name (_S5, Package (4) {5, 5, 0, 0}).
 *
 *   0x08                NameOp
 *   '_' 'S' '5' '_'     NameSeg (a NameString of one segment, in the
 *                       root scope since the DSDT's code runs there)
 *   0x12                PackageOp
 *   0x08                PkgLength, one byte (bits 7-6 = 0, length < 64):
 *                       it counts itself, NumElements and the 6 bytes of
 *                       elements: 1 + 1 + 6
 *   0x04                NumElements
 *   0x0a 0x05           BytePrefix 5: SLP_TYP for PM1a_CNT
 *   0x0a 0x05           BytePrefix 5: SLP_TYP for PM1b_CNT (none here)
 *   0x00 0x00           ZeroOp, ZeroOp: reserved
 */
static const uint8_t s5_aml[ACPI_S5_AML_BYTES] = {
	0x08, '_', 'S', '5', '_',
	0x12, 0x08, 0x04,
	0x0a, ACPI_SLP_TYP_S5, 0x0a, ACPI_SLP_TYP_S5, 0x00, 0x00,
};

/* 5.2.7: revision 1 (ACPI 1.0: 32-bit integers). */
static void put_dsdt(uint8_t *t)
{
	put_header(t, "DSDT", ACPI_DSDT_BYTES, 1);
	memcpy(t + ACPI_HEADER_BYTES, s5_aml, sizeof(s5_aml));
	finish_table(t);
}

/* 5.2.12.2: processor local APIC (ACPI processor id 0, APIC id 0). */
static uint8_t *put_madt_lapic(uint8_t *p)
{
	p[0] = MADT_TYPE_LAPIC;
	p[1] = ACPI_MADT_LAPIC_BYTES;
	p[2] = 0;                               /* ACPI processor id */
	p[3] = 0;                               /* APIC id */
	wr32(p + 4, MADT_LAPIC_ENABLED);
	return p + ACPI_MADT_LAPIC_BYTES;
}

/* 5.2.12.3: the IO-APIC, GSIs 0-23 on its pins 0-23. */
static uint8_t *put_madt_ioapic(uint8_t *p)
{
	p[0] = MADT_TYPE_IOAPIC;
	p[1] = ACPI_MADT_IOAPIC_BYTES;
	p[2] = MP_IOAPIC_ID;
	p[3] = 0;
	wr32(p + 4, MP_IOAPIC_ADDRESS);
	wr32(p + 8, 0);                         /* GSI base */
	return p + ACPI_MADT_IOAPIC_BYTES;
}

/* 5.2.12.5: ISA IRQ irq arrives on GSI gsi; flags (MPS INTI flags) 0
 * means "conforms to the bus": ISA, edge, active high. */
static uint8_t *put_madt_override(uint8_t *p, uint8_t irq, uint32_t gsi,
				  uint16_t flags)
{
	p[0] = MADT_TYPE_OVERRIDE;
	p[1] = ACPI_MADT_OVERRIDE_BYTES;
	p[2] = 0;                               /* bus: ISA */
	p[3] = irq;
	wr32(p + 4, gsi);
	wr16(p + 8, flags);
	return p + ACPI_MADT_OVERRIDE_BYTES;
}

/* 5.2.12.7: NMI on LINT1 of every processor, flags conforming. */
static uint8_t *put_madt_nmi(uint8_t *p)
{
	p[0] = MADT_TYPE_LAPIC_NMI;
	p[1] = ACPI_MADT_NMI_BYTES;
	p[2] = MADT_ALL_PROCESSORS;
	wr16(p + 3, 0);
	p[5] = 1;                               /* LINT1 */
	return p + ACPI_MADT_NMI_BYTES;
}

/*
 * 5.2.12: revision 1. The routing is the MP table's: IRQ 0 on pin 2
 * (mptable_isa_pin), the others identity mapped, which needs no entry;
 * the SCI is level triggered, active high, as the 8259's ELCR and the
 * IO-APIC pin must then be programmed (QEMU's tables say the same).
 * PCAT_COMPAT: the 8259 pair is present (the OS masks it).
 */
static void put_madt(uint8_t *t)
{
	uint8_t *p = t + MADT_ENTRIES;

	put_header(t, "APIC", ACPI_MADT_BYTES, 1);
	wr32(t + MADT_LAPIC_ADDRESS, MP_LAPIC_ADDRESS);
	wr32(t + MADT_FLAGS, MADT_PCAT_COMPAT);
	p = put_madt_lapic(p);
	p = put_madt_ioapic(p);
	p = put_madt_override(p, 0, (uint32_t)mptable_isa_pin(0), 0);
	p = put_madt_override(p, ACPI_SCI_IRQ, ACPI_SCI_IRQ, MADT_INTI_HIGH_LEVEL);
	put_madt_nmi(p);
	finish_table(t);
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static int check_place(const struct guest_ram *ram, uint64_t gpa,
		       struct load_error *err)
{
	/* 64, not the RSDP's 16: the FACS at a multiple of 64 from it must
	 * be 64-byte aligned (5.2.9). */
	if (gpa % 64 || gpa < ACPI_AREA_START ||
	    !range_inside(gpa, ACPI_TABLES_BYTES, ACPI_AREA_END))
		return load_fail(err, "ACPI tables at 0x%llx: they must be 64-byte aligned inside [0x%x, 0x%x)",
				 (unsigned long long)gpa, ACPI_AREA_START, ACPI_AREA_END);
	if (overlaps(gpa, ACPI_TABLES_BYTES, MPTABLE_GPA, MP_TABLE_BYTES))
		return load_fail(err, "ACPI tables at 0x%llx would overlap the MP table at 0x%x",
				 (unsigned long long)gpa, MPTABLE_GPA);
	if (!range_inside(gpa, ACPI_TABLES_BYTES, ram->bytes))
		return load_fail(err, "guest RAM of %llu bytes does not reach the ACPI tables at 0x%llx",
				 (unsigned long long)ram->bytes, (unsigned long long)gpa);
	return 0;
}

int acpi_tables_write(struct guest_ram *ram, uint64_t gpa, uint32_t *rsdp_gpa,
		      struct load_error *err)
{
	uint32_t base = (uint32_t)gpa;
	uint8_t *b;

	if (check_place(ram, gpa, err))
		return -1;
	b = ram->base + gpa;
	memset(b, 0, ACPI_TABLES_BYTES);
	put_facs(b + ACPI_FACS_OFFSET);
	put_dsdt(b + ACPI_DSDT_OFFSET);
	put_madt(b + ACPI_MADT_OFFSET);
	put_fadt(b + ACPI_FADT_OFFSET, base + ACPI_FACS_OFFSET, base + ACPI_DSDT_OFFSET);
	put_rsdt(b + ACPI_RSDT_OFFSET, base + ACPI_FADT_OFFSET, base + ACPI_MADT_OFFSET);
	put_rsdp(b, base + ACPI_RSDT_OFFSET);
	if (rsdp_gpa)
		*rsdp_gpa = base;
	return 0;
}
