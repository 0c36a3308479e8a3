/* Descriptor-table loads that C cannot express (reloading CS needs a far
 * return). SysV ABI: arguments in rdi, rsi, rdx. */
    .text
    .global gdt_load
gdt_load:                       /* (gdtr, cs, ds) */
    lgdt (%rdi)
    mov %dx, %ds
    mov %dx, %es
    mov %dx, %ss
    xor %eax, %eax
    mov %ax, %fs
    mov %ax, %gs
    pop %rax                    /* return address */
    push %rsi                   /* new CS */
    push %rax
    lretq

    .global idt_load
idt_load:
    lidt (%rdi)
    ret

    .global tr_load
tr_load:
    ltr %di
    ret

    .section .note.GNU-stack, "", @progbits
