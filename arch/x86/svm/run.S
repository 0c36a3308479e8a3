/*
 * The SVM world switch: svm_vmrun(regs, guest_vmcb_pa, host_vmcb_pa).
 *
 * VMRUN/#VMEXIT switch RAX, RSP, RIP, RFLAGS and the control registers
 * (AMD APM Vol. 2 15.5); every other GPR is ours to save. VMLOAD/VMSAVE move
 * the state VMRUN leaves alone (FS, GS, TR, LDTR, KernelGSBase, the SYSCALL
 * and SYSENTER MSRs, APM 15.5.2). The host's copy was saved once into the
 * per-CPU host VMCB when SVM was enabled (it never changes: the hypervisor
 * uses none of it but TR), and is loaded back after every exit so TR, and
 * with it the IST stacks, is ours again.
 * GIF is clear from before the first VMSAVE until the host state is back.
 * RFLAGS.IF is set only across VMRUN, so a physical interrupt during the
 * guest causes an INTR exit and is taken afterwards (lapic.c), never inside
 * this sequence.
 */
#include "arch/x86/vcpu_regs_asm.h"

    .text
    .global svm_vmrun
svm_vmrun:                      /* rdi = regs, rsi = guest VMCB, rdx = host VMCB */
    push %rbp
    push %rbx
    push %r12
    push %r13
    push %r14
    push %r15
    push %rdi                   /*  8(%rsp): regs */
    push %rdx                   /*  0(%rsp): host VMCB */

    clgi
    mov %rsi, %rax              /* the guest VMCB stays in RAX: #VMEXIT */
                                /* restores the host's RAX (APM 15.5.1) */

    LOAD_GUEST_GPRS %rdi
    mov REG_RDI(%rdi), %rdi

    vmload
    sti                         /* GIF=0 holds interrupts until VMRUN; with */
    vmrun                       /* V_INTR_MASKING they then exit the guest */
    vmsave                      /* RAX = guest VMCB again after the exit */
    cli

    push %rdi                   /* guest RDI; regs is now at 16(%rsp) */
    mov 16(%rsp), %rdi
    STORE_GUEST_GPRS %rdi
    popq REG_RDI(%rdi)

    pop %rax                    /* host VMCB */
    vmload
    stgi
    add $8, %rsp                /* regs */
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbx
    pop %rbp
    ret

    .section .note.GNU-stack, "", @progbits
