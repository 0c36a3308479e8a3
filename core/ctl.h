/*
 * The control partition: launched from the GRUB module whose command line
 * starts with "ctl" (core/ctl_launch.c), then run forever by the boot CPU
 * (request/ctl_run.c), serving its hypercalls (request/hypercall.c).
 */
#ifndef CORE_CTL_H
#define CORE_CTL_H

#include <stdint.h>
#include "core/multiboot2.h"
#include "core/vm.h"

struct ctl {
	struct vm *vm;
	struct vcpu *vcpu;
	uint64_t ram_bytes;
	uint64_t mailbox_gpa;   /* 0 until HC_SET_MAILBOX */
	void *mailbox;          /* its host address (ctl RAM never moves) */
	uint64_t hypercalls, bad_hypercalls;
	uint64_t exited_at;     /* TSC at its last exit (core/pathcost.h) */
	uint64_t guest_exit_at; /* TSC at the exit that ended a KVM_RUN */
	int guest_exit_kind;    /* its enum pathcost_kind */
};

extern struct ctl ctl;

/* Is this the control partition's module (command line "ctl ...")? The
 * first one is; the others are guest images. */
bool ctl_module_is(const struct boot_module *m);
/* Builds the control partition from the boot modules; gb_pages: its own
 * page tables may use 1 GiB pages. 0 or -errno with a message printed. */
int ctl_launch(const struct boot_info *bi, uint64_t ram_bytes, bool gb_pages);

#endif
