/*
 * struct vcpu_regs (core/vcpu.h) for the world switches (svm/run.S,
 * vmx/run.S): the field offsets, checked against the C struct in
 * arch/x86/virt.c, and the GPR moves both switches make. RAX and RDI are left
 * to each switch: RDI holds the regs pointer, and SVM's VMRUN takes RAX
 * from the VMCB while VMX loads it like the rest.
 */
#ifndef ARCH_X86_VCPU_REGS_ASM_H
#define ARCH_X86_VCPU_REGS_ASM_H

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

#ifdef __ASSEMBLER__
/* Every GPR but RAX, RSP and RDI from the struct at \regs. */
.macro LOAD_GUEST_GPRS regs
    mov REG_RBX(\regs), %rbx
    mov REG_RCX(\regs), %rcx
    mov REG_RDX(\regs), %rdx
    mov REG_RSI(\regs), %rsi
    mov REG_RBP(\regs), %rbp
    mov REG_R8(\regs), %r8
    mov REG_R9(\regs), %r9
    mov REG_R10(\regs), %r10
    mov REG_R11(\regs), %r11
    mov REG_R12(\regs), %r12
    mov REG_R13(\regs), %r13
    mov REG_R14(\regs), %r14
    mov REG_R15(\regs), %r15
.endm

/* Every GPR but RAX, RSP and RDI into the struct at \regs. */
.macro STORE_GUEST_GPRS regs
    mov %rbx, REG_RBX(\regs)
    mov %rcx, REG_RCX(\regs)
    mov %rdx, REG_RDX(\regs)
    mov %rsi, REG_RSI(\regs)
    mov %rbp, REG_RBP(\regs)
    mov %r8, REG_R8(\regs)
    mov %r9, REG_R9(\regs)
    mov %r10, REG_R10(\regs)
    mov %r11, REG_R11(\regs)
    mov %r12, REG_R12(\regs)
    mov %r13, REG_R13(\regs)
    mov %r14, REG_R14(\regs)
    mov %r15, REG_R15(\regs)
.endm
#endif

#endif
