/*
 * The Intel MultiProcessor Specification 1.4 table (loader.h): how a guest
 * without ACPI finds its local APIC and IO-APIC. Chapter 4 of the
 * specification: the MP floating pointer structure (4.1) and the MP
 * configuration table (4.2) with its base entries (4.3). Linux reads it
 * in arch/x86/kernel/mpparse.c (CONFIG_X86_MPPARSE), scanning the BIOS
 * area [0xf0000, 0x100000) among others. Control partition and host tests.
 *
 * No IO interrupt entry of type ExtINT for the 8259 on IO-APIC pin 0: the
 * VMM delivers the PIC's output through the local APIC's LINT0 (virtual
 * wire, the LINT0 entry below), not through an IO-APIC pin. Linux's
 * check_timer (arch/x86/kernel/apic/io_apic.c) uses such an entry only as
 * a fallback when IRQ 0 on its own pin does not tick; without it Linux
 * goes straight to the LINT0 virtual wire, which is what the VMM has.
 */
#include <string.h>

#include "guests/ctl/loader.h"

#define BIOS_AREA_START 0xf0000u
#define BIOS_AREA_END   0x100000u

static void wr16(uint8_t *p, uint16_t v) { memcpy(p, &v, sizeof(v)); }
static void wr32(uint8_t *p, uint32_t v) { memcpy(p, &v, sizeof(v)); }

/* 4.1, 4.2: every byte of the structure, the checksum included, sums to 0. */
static uint8_t checksum(const uint8_t *p, size_t n)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < n; i++)
		sum = (uint8_t)(sum + p[i]);
	return (uint8_t)-sum;
}

int mptable_isa_pin(unsigned irq)
{
	if (irq >= MP_ISA_IRQS || irq == 2)
		return -1;      /* IRQ 2 is the slave PIC's cascade */
	/* The PIT's IRQ 0 arrives on pin 2, as on PCs whose 8259 sits on
	 * pin 0 (QEMU's, kvmtool's tables); the rest are identity mapped. */
	return irq == 0 ? 2 : (int)irq;
}

/* Table 4-4: processor entry. */
static uint8_t *put_processor(uint8_t *p, uint32_t signature, uint32_t features)
{
	memset(p, 0, MP_PROCESSOR_BYTES);
	p[0] = MP_ENTRY_PROCESSOR;
	p[1] = 0;                               /* local APIC id */
	p[2] = MP_LAPIC_VERSION;
	p[3] = MP_CPU_ENABLED | MP_CPU_BSP;
	wr32(p + 4, signature & 0xfff);         /* stepping, model, family */
	wr32(p + 8, features);
	return p + MP_PROCESSOR_BYTES;
}

/* Table 4-8: bus entry; the type string is blank padded. */
static uint8_t *put_isa_bus(uint8_t *p)
{
	p[0] = MP_ENTRY_BUS;
	p[1] = MP_ISA_BUS_ID;
	memcpy(p + 2, "ISA   ", 6);
	return p + MP_ENTRY_BYTES;
}

/* Table 4-10: IO-APIC entry. */
static uint8_t *put_ioapic(uint8_t *p)
{
	p[0] = MP_ENTRY_IOAPIC;
	p[1] = MP_IOAPIC_ID;
	p[2] = MP_IOAPIC_VERSION;
	p[3] = MP_IOAPIC_ENABLED;
	wr32(p + 4, MP_IOAPIC_ADDRESS);
	return p + MP_ENTRY_BYTES;
}

/* Tables 4-12 (IO) and 4-14 (local) interrupt assignment entries share a
 * layout. Flags 0: polarity and trigger conform to the bus (ISA: active
 * high, edge). */
static uint8_t *put_interrupt(uint8_t *p, uint8_t entry, uint8_t type,
			      uint8_t src_irq, uint8_t dest_id, uint8_t dest_pin)
{
	p[0] = entry;
	p[1] = type;
	wr16(p + 2, 0);
	p[4] = MP_ISA_BUS_ID;
	p[5] = src_irq;
	p[6] = dest_id;
	p[7] = dest_pin;
	return p + MP_ENTRY_BYTES;
}

static void put_config_header(uint8_t *c)
{
	memset(c, 0, MP_CONFIG_HEADER_BYTES);
	memcpy(c, "PCMP", 4);
	wr16(c + 4, MP_CONFIG_BYTES);
	c[6] = MP_SPEC_REV;
	memcpy(c + 8, "BAREKVM ", 8);           /* OEM id, blank padded */
	memcpy(c + 16, "VM          ", 12);     /* product id */
	wr16(c + 34, MP_ENTRY_COUNT);
	wr32(c + 36, MP_LAPIC_ADDRESS);
	/* OEM table, extended table: none (0). */
}

/* Figure 4-2 order: processors, buses, IO-APICs, interrupt entries. */
static void put_config(uint8_t *c, uint32_t signature, uint32_t features)
{
	uint8_t *p = c + MP_CONFIG_HEADER_BYTES;

	put_config_header(c);
	p = put_processor(p, signature, features);
	p = put_isa_bus(p);
	p = put_ioapic(p);
	for (unsigned irq = 0; irq < MP_ISA_IRQS; irq++)
		if (mptable_isa_pin(irq) >= 0)
			p = put_interrupt(p, MP_ENTRY_IO_INTERRUPT, MP_INT_INT,
					  (uint8_t)irq, MP_IOAPIC_ID,
					  (uint8_t)mptable_isa_pin(irq));
	p = put_interrupt(p, MP_ENTRY_LOCAL_INTERRUPT, MP_INT_EXTINT, 0,
			  MP_ALL_LAPICS, 0);
	put_interrupt(p, MP_ENTRY_LOCAL_INTERRUPT, MP_INT_NMI, 0, MP_ALL_LAPICS, 1);
	c[7] = checksum(c, MP_CONFIG_BYTES);
}

/* 4.1: length 1 (16 bytes), feature byte 1 = 0 (a configuration table is
 * present), feature byte 2 bit 7 (IMCRP) = 0: virtual wire mode, no IMCR. */
static void put_floating(uint8_t *f, uint32_t config_gpa)
{
	memset(f, 0, MP_FLOATING_BYTES);
	memcpy(f, "_MP_", 4);
	wr32(f + 4, config_gpa);
	f[8] = 1;
	f[9] = MP_SPEC_REV;
	f[10] = checksum(f, MP_FLOATING_BYTES);
}

int mptable_write(struct guest_ram *ram, uint64_t gpa, uint32_t cpu_signature,
		  uint32_t cpu_features, struct load_error *err)
{
	if (gpa % 16 || gpa < BIOS_AREA_START ||
	    !range_inside(gpa, MP_TABLE_BYTES, BIOS_AREA_END))
		return load_fail(err, "MP table at 0x%llx: it must be 16-byte aligned inside [0x%x, 0x%x)",
				 (unsigned long long)gpa, BIOS_AREA_START, BIOS_AREA_END);
	if (!range_inside(gpa, MP_TABLE_BYTES, ram->bytes))
		return load_fail(err, "guest RAM of %llu bytes does not reach the MP table at 0x%llx",
				 (unsigned long long)ram->bytes, (unsigned long long)gpa);
	put_config(ram->base + gpa + MP_FLOATING_BYTES, cpu_signature, cpu_features);
	put_floating(ram->base + gpa, (uint32_t)gpa + MP_FLOATING_BYTES);
	return 0;
}
