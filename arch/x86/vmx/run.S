/*
 * The VMX world switch: int vmx_vmenter(struct vcpu_regs *regs, int launched)
 *
 * VM entry loads RSP, RIP and RFLAGS from the VMCS and VM exit loads the
 * host's RSP and RIP from it (SDM Vol. 3 26.3.2.3, 27.5.3); every other
 * general-purpose register is left alone both ways, so they are ours to
 * switch. The exit "returns" to vmx_exit_stub on the stack HOST_RSP names:
 * it is written right here, before each entry, because core enters guests
 * from different call depths (the control partition's loop, and KVM_RUN
 * inside its hypercall).
 *
 * Returns 0 after a VM exit (C reads the exit reason), VMX_ENTER_FAIL_INVALID
 * (1) if VMLAUNCH/VMRESUME or the HOST_RSP write failed with CF = 1
 * (VMfailInvalid: no current VMCS), VMX_ENTER_FAIL_VALID (2) with ZF = 1
 * (VMfailValid: the VM-instruction error field says why) (SDM 30.2).
 * The exit leaves RFLAGS = 0x2 (IF = 0, SDM 27.5.3); entry needs no
 * interrupt dance: with external-interrupt exiting, a host interrupt
 * exits the guest whatever the guest's IF (SDM 25.2) and stays pending
 * until the C code takes it (vcpu.c).
 */
#define VMCS_HOST_RSP 0x6c14    /* vmcs.h */

#include "arch/x86/vcpu_regs_asm.h"

    .text
    .global vmx_vmenter
vmx_vmenter:                    /* rdi = regs, esi = launched */
    push %rbp
    push %rbx
    push %r12
    push %r13
    push %r14
    push %r15
    push %rdi                   /* 0(%rsp): regs, for the exit stub */

    mov $VMCS_HOST_RSP, %eax
    vmwrite %rsp, %rax
    jna .Lfail

    test %esi, %esi             /* ZF survives the MOVs below */
    mov REG_RAX(%rdi), %rax
    LOAD_GUEST_GPRS %rdi
    mov REG_RDI(%rdi), %rdi
    jnz .Lresume
    vmlaunch
    jmp .Lfail                  /* only reached when VMLAUNCH failed */
.Lresume:
    vmresume
.Lfail:                         /* CF = 1: VMfailInvalid, else VMfailValid */
    mov $2, %eax                /* MOVs keep the flags */
    mov $1, %ecx
    cmovc %ecx, %eax
    jmp .Lout

    .global vmx_exit_stub
vmx_exit_stub:                  /* RSP = HOST_RSP; every GPR is the guest's */
    push %rdi                   /* guest RDI; regs is now at 8(%rsp) */
    mov 8(%rsp), %rdi
    mov %rax, REG_RAX(%rdi)
    STORE_GUEST_GPRS %rdi
    popq REG_RDI(%rdi)
    xor %eax, %eax

.Lout:
    add $8, %rsp                /* regs */
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbx
    pop %rbp
    ret

    .section .note.GNU-stack, "", @progbits
