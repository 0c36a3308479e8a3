/*
 * The SVM world switch: svm_vmrun(regs, guest_vmcb_pa, host_vmcb_pa, in_shadow).
 *
 * VMRUN/#VMEXIT switch RAX, RSP, RIP, RFLAGS and the control registers
 * (AMD APM Vol. 2 15.5); every other GPR is ours to save. VMLOAD/VMSAVE move
 * the state VMRUN leaves alone (FS, GS, TR, LDTR, KernelGSBase, the SYSCALL
 * and SYSENTER MSRs, APM 15.5.2). The host's copy was saved once into the
 * per-CPU host VMCB when SVM was enabled (it never changes: the hypervisor
 * uses none of it but TR), and is loaded back after every exit so TR, and
 * with it the IST stacks, is ours again.
 * GIF is clear from before the first VMSAVE until the host state is back.
 * RFLAGS.IF is set only across VMLOAD and VMRUN, so a physical interrupt during the
 * guest causes an INTR exit and is taken afterwards (lapic.c), never inside
 * this sequence.
 */
#include "arch/x86/vcpu_regs_asm.h"

    .text
    .global svm_vmrun
svm_vmrun:                      /* rdi = regs, rsi = guest VMCB, rdx = host VMCB, */
    push %rbp                   /* rcx = the guest is in an interrupt shadow */
    push %rbx
    push %r12
    push %r13
    push %r14
    push %r15
    push %rdi                   /* 16(%rsp): regs */
    push %rdx                   /*  8(%rsp): host VMCB */
    push %rcx                   /*  0(%rsp): in a shadow */

    clgi
    mov %rsi, %rax              /* the guest VMCB stays in RAX: #VMEXIT */
                                /* restores the host's RAX (APM 15.5.1) */

    LOAD_GUEST_GPRS %rdi
    mov REG_RDI(%rdi), %rdi

    /* GIF=0 holds interrupts until VMRUN; with V_INTR_MASKING they then
     * exit the guest. Where STI goes matters only to QEMU before 9.1,
     * whose VMRUN ignores the VMCB's interrupt shadow and instead keeps
     * the host's (an STI right before VMRUN): so STI's shadow covers
     * VMRUN exactly when the guest is in a shadow, and ends on VMLOAD
     * otherwise (docs/virtual-cpu.md, "Interrupt shadows"). A CPU loads
     * the guest's shadow from the VMCB either way (APM Vol. 2, VMCB
     * offset 0x68, INTERRUPT_SHADOW). */
    cmpq $0, (%rsp)
    jne 1f
    sti
    vmload
    jmp 2f
1:  vmload
    sti
2:  vmrun
    vmsave                      /* RAX = guest VMCB again after the exit */
    cli
    add $8, %rsp                /* in a shadow */

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
