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
#define REG_RAX 0
#define REG_RBX 8
#define REG_RCX 16
#define REG_RDX 24
#define REG_RSI 32
#define REG_RDI 40
#define REG_RBP 56
#define REG_R8  64
#define REG_R9  72
#define REG_R10 80
#define REG_R11 88
#define REG_R12 96
#define REG_R13 104
#define REG_R14 112
#define REG_R15 120

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

    mov REG_RBX(%rdi), %rbx
    mov REG_RCX(%rdi), %rcx
    mov REG_RDX(%rdi), %rdx
    mov REG_RSI(%rdi), %rsi
    mov REG_RBP(%rdi), %rbp
    mov REG_R8(%rdi), %r8
    mov REG_R9(%rdi), %r9
    mov REG_R10(%rdi), %r10
    mov REG_R11(%rdi), %r11
    mov REG_R12(%rdi), %r12
    mov REG_R13(%rdi), %r13
    mov REG_R14(%rdi), %r14
    mov REG_R15(%rdi), %r15
    mov REG_RDI(%rdi), %rdi

    vmload
    sti                         /* GIF=0 holds interrupts until VMRUN; with */
    vmrun                       /* V_INTR_MASKING they then exit the guest */
    vmsave                      /* RAX = guest VMCB again after the exit */
    cli

    push %rdi                   /* guest RDI; regs is now at 16(%rsp) */
    mov 16(%rsp), %rdi
    mov %rbx, REG_RBX(%rdi)
    mov %rcx, REG_RCX(%rdi)
    mov %rdx, REG_RDX(%rdi)
    mov %rsi, REG_RSI(%rdi)
    mov %rbp, REG_RBP(%rdi)
    mov %r8, REG_R8(%rdi)
    mov %r9, REG_R9(%rdi)
    mov %r10, REG_R10(%rdi)
    mov %r11, REG_R11(%rdi)
    mov %r12, REG_R12(%rdi)
    mov %r13, REG_R13(%rdi)
    mov %r14, REG_R14(%rdi)
    mov %r15, REG_R15(%rdi)
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
