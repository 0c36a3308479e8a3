/*
 * The VM's timer devices on its buses (vmm.h): the PIT (with port 0x61),
 * the local APIC, the RTC and the ACPI PM block keep their own time, which
 * the VMM moves to the VM clock lazily (vmm_irq.c): when their next event
 * is due, and, through these wrappers, right before every guest access, so
 * a read sees the time of the access. After the access the next event is
 * computed again, since the guest may have programmed a timer. This keeps
 * the cost off every exit that does not touch a timer (make bench).
 * Control partition and host tests.
 */
#include "guests/ctl/vmm.h"

#define TIMED_DEVICE(name, ops, field)                                          \
	static uint64_t timed_##name##_read(void *opaque, uint64_t off, unsigned size)  \
	{                                                                       \
		struct vm *vm = opaque;                                         \
		uint64_t v;                                                     \
                                                                                \
		vmm_devices_sync(vm);                                           \
		v = (ops).read(&vm->field, off, size);                          \
		vmm_devices_changed(vm);                                        \
		return v;                                                       \
	}                                                                       \
	static void timed_##name##_write(void *opaque, uint64_t off, unsigned size,     \
				 uint64_t value)                                \
	{                                                                       \
		struct vm *vm = opaque;                                         \
                                                                                \
		vmm_devices_sync(vm);                                           \
		(ops).write(&vm->field, off, size, value);                      \
		vmm_devices_changed(vm);                                        \
	}                                                                       \
	const struct bus_device_ops vmm_timed_##name##_ops = { timed_##name##_read, timed_##name##_write };

TIMED_DEVICE(pit, pit8254_bus_ops, pit)
TIMED_DEVICE(port61, pit8254_port61_ops, pit)
TIMED_DEVICE(lapic, lapic_bus_ops, lapic)
TIMED_DEVICE(rtc, rtc146818_bus_ops, rtc)
TIMED_DEVICE(acpi, acpi_pm_bus_ops, acpi)
