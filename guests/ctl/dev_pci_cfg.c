/*
 * PCI configuration mechanism 1 with no devices behind it, and the reset
 * control register at 0xcf9 (devices.h). PCI Local Bus Specification 3.0,
 * 3.2.2.3.2 ("Software generation of configuration transactions"); Intel
 * PCH datasheets for 0xcf9. Pure logic: control partition and host tests.
 */
#include <string.h>

#include "guests/ctl/devices.h"

#define CONFIG_ADDRESS_OFFSET   0
#define ALL_ONES                0xffffffffu

void pci_cfg_init(struct pci_cfg *p, dev_reset_fn *reset, void *reset_ctx)
{
	memset(p, 0, sizeof(*p));
	p->reset = reset;
	p->reset_ctx = reset_ctx;
}

static uint32_t size_mask(unsigned size)
{
	return size >= 4 ? ALL_ONES : (1u << (size * 8)) - 1;
}

static bool is_config_address(unsigned offset, unsigned size)
{
	return offset == CONFIG_ADDRESS_OFFSET && size == 4;
}

static bool is_reset_control(unsigned offset, unsigned size)
{
	return offset == PCI_CFG_RESET_CONTROL && size == 1;
}

/* A configuration cycle to the register CONFIG_ADDRESS names: nothing
 * answers (master abort), so reads see all ones. */
static uint32_t config_data_read(struct pci_cfg *p)
{
	if (!(p->address & PCI_CFG_ENABLE)) {
		p->disabled_accesses++;
		return ALL_ONES;
	}
	p->config_reads++;
	return ALL_ONES;
}

static void config_data_write(struct pci_cfg *p)
{
	if (!(p->address & PCI_CFG_ENABLE))
		p->disabled_accesses++;
	else
		p->config_writes++;
}

uint32_t pci_cfg_read(struct pci_cfg *p, unsigned offset, unsigned size)
{
	if (is_config_address(offset, size))
		return p->address;
	if (is_reset_control(offset, size))
		return p->reset_control;
	if (offset >= PCI_CFG_DATA && offset < PCI_CFG_NPORTS)
		return config_data_read(p) & size_mask(size);
	return size_mask(size);                 /* ISA: nothing there */
}

static void write_reset_control(struct pci_cfg *p, uint8_t value)
{
	bool cpu_reset = (value & PCI_RCR_RST_CPU) && !(p->reset_control & PCI_RCR_RST_CPU);

	p->reset_control = value & (PCI_RCR_SYS_RST | PCI_RCR_RST_CPU | PCI_RCR_FULL_RST);
	if (!cpu_reset)
		return;
	/* The reset takes the register back to 0 with the rest of the
	 * machine; RST_CPU reads 0 afterwards. */
	p->reset_control &= (uint8_t)~PCI_RCR_RST_CPU;
	p->resets++;
	if (p->reset)
		p->reset(p->reset_ctx);
}

void pci_cfg_write(struct pci_cfg *p, unsigned offset, unsigned size, uint32_t value)
{
	if (is_config_address(offset, size))
		p->address = value & PCI_CFG_ADDRESS_MASK;
	else if (is_reset_control(offset, size))
		write_reset_control(p, (uint8_t)value);
	else if (offset >= PCI_CFG_DATA && offset < PCI_CFG_NPORTS)
		config_data_write(p);
}

static uint64_t bus_read(void *opaque, uint64_t offset, unsigned size)
{
	return pci_cfg_read(opaque, (unsigned)offset, size);
}

static void bus_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
	pci_cfg_write(opaque, (unsigned)offset, size, (uint32_t)value);
}

const struct bus_device_ops pci_cfg_bus_ops = {
	.read = bus_read,
	.write = bus_write,
};
