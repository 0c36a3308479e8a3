/*
 * Windows of VM memory in the control partition's physical address space
 * (KVM_BAREKVM_MMAP, abi/barekvm.h): VM n's guest-physical address g appears
 * at CTL_VM_WINDOW_BASE + w * CTL_VM_WINDOW_BYTES + g for the window w it got.
 */
#ifndef CORE_CTL_WINDOW_H
#define CORE_CTL_WINDOW_H

#include <stdint.h>
#include "core/vm.h"

/* Maps [gpa, gpa+size) of vm (inside its slots) into the ctl; returns 0 and
 * the ctl physical address, or -EINVAL / -EFAULT / -ENOMEM. */
int ctl_window_map(struct vm *vm, uint64_t gpa, uint64_t size, uint64_t *ctl_pa);
/* Removes any part of [gpa, gpa+size) that is mapped (slot delete/move):
 * 0, or -ENOMEM with nothing changed. A slot's whole range never needs a
 * split (window leaves never span slots), so for it this cannot fail. */
int ctl_window_unmap(struct vm *vm, uint64_t gpa, uint64_t size);
/* Frees the VM's window (VM destroy): 0, or the unmap's error (the window
 * then stays the VM's). */
int ctl_window_release(struct vm *vm);

#endif
