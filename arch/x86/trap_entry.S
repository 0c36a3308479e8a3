/*
 * One entry stub per IDT vector. Vectors that push an error code (SDM Vol. 3
 * Table 6-1: 8, 10-14, 17, 21, 29, 30) get the CPU's; the rest push 0 so every
 * frame has the same shape. The common path saves all GPRs as a struct
 * trap_frame and calls trap_dispatch(frame) with a 16-byte aligned stack.
 */
    .text
.macro TRAP_STUB vec
    .balign 16
trap_stub_\vec:
    .if (\vec == 8) || (\vec >= 10 && \vec <= 14) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
    .else
    pushq $0
    .endif
    pushq $\vec
    jmp trap_common
.endm

.altmacro
.set vec, 0
.rept 256
    TRAP_STUB %vec
    .set vec, vec + 1
.endr

trap_common:
    push %rax
    push %rbx
    push %rcx
    push %rdx
    push %rbp
    push %rsi
    push %rdi
    push %r8
    push %r9
    push %r10
    push %r11
    push %r12
    push %r13
    push %r14
    push %r15
    cld
    mov %rsp, %rdi
    mov %rsp, %rbx              /* callee-saved: restore after alignment */
    and $~15, %rsp
    call trap_dispatch
    mov %rbx, %rsp
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rdi
    pop %rsi
    pop %rbp
    pop %rdx
    pop %rcx
    pop %rbx
    pop %rax
    add $16, %rsp               /* vector, error code */
    iretq

.macro STUB_ADDR vec
    .quad trap_stub_\vec
.endm

    .section .rodata
    .balign 8
    .global trap_stubs
trap_stubs:
.set vec, 0
.rept 256
    STUB_ADDR %vec
    .set vec, vec + 1
.endr

    .section .note.GNU-stack, "", @progbits
