/*
 * 32-bit entry from GRUB and the climb into long mode.
 *
 * GRUB (BIOS or UEFI) enters here in 32-bit protected mode, paging off,
 * EAX = multiboot2 magic, EBX = physical address of the boot information
 * (Multiboot2 spec 3.3). We zero .bss, identity-map the low 4 GiB with 2 MiB
 * pages, enable PAE + EFER.LME + paging (Intel SDM Vol. 3 9.8.5), and jump to
 * 64-bit code that calls boot_main(magic, info). Nothing here may touch memory
 * outside the image: the boot information and modules sit right after it.
 */
#include "boot/layout.h"

#define COM1            0x3f8
#define CR0_PE          (1 << 0)
#define CR0_WP          (1 << 16)
#define CR0_NW          (1 << 29)
#define CR0_CD          (1 << 30)
#define CR0_PG          (1 << 31)
#define CR4_PAE         (1 << 5)
#define MSR_EFER        0xc0000080
#define EFER_LME        (1 << 8)
#define EFER_NXE        (1 << 11)
#define PTE_P           (1 << 0)
#define PTE_RW          (1 << 1)
#define PTE_PS          (1 << 7)

    .section .text.boot, "ax"
    .code32
    .global boot_entry32
boot_entry32:
    cli
    cld
    mov %eax, %esi                  /* keep magic and info across the setup */
    mov %ebx, %edi

    /* zero .bss (page tables and stacks live there) */
    push %edi
    mov $__bss_start, %edi
    mov $__bss_end, %ecx
    sub %edi, %ecx
    shr $2, %ecx
    xor %eax, %eax
    rep stosl
    pop %edi
    mov $(boot_stack_top), %esp

    /* long mode present? CPUID 8000_0001h EDX bit 29 */
    mov $0x80000000, %eax
    cpuid
    cmp $0x80000001, %eax
    jb no_long_mode
    mov $0x80000001, %eax
    cpuid
    test $(1 << 29), %edx
    jz no_long_mode

    /* The BIOS may leave caching disabled (Bochs does): turn it on. */
    mov %cr0, %eax
    and $~(CR0_CD | CR0_NW), %eax
    mov %eax, %cr0
    wbinvd

    /* PML4[0] -> PDPT, PDPT[0..3] -> four page directories of 2 MiB pages */
    mov $boot_pdpt, %eax
    or $(PTE_P | PTE_RW), %eax
    mov %eax, boot_pml4
    xor %ecx, %ecx
1:  mov %ecx, %eax
    shl $12, %eax
    add $boot_pd, %eax
    or $(PTE_P | PTE_RW), %eax
    mov %eax, boot_pdpt(, %ecx, 8)
    inc %ecx
    cmp $BOOT_IDMAP_GB, %ecx
    jb 1b
    xor %ecx, %ecx                  /* 2048 entries: 4 GiB of 2 MiB pages */
2:  mov %ecx, %eax
    shl $21, %eax
    or $(PTE_P | PTE_RW | PTE_PS), %eax
    mov %eax, boot_pd(, %ecx, 8)
    mov %ecx, %eax
    shr $11, %eax                   /* high dword: address bits 32+ */
    mov %eax, boot_pd + 4(, %ecx, 8)
    inc %ecx
    cmp $(BOOT_IDMAP_GB * 512), %ecx
    jb 2b

    mov %cr4, %eax
    or $CR4_PAE, %eax
    mov %eax, %cr4
    mov $boot_pml4, %eax
    mov %eax, %cr3
    mov $MSR_EFER, %ecx
    rdmsr
    or $EFER_LME, %eax
    wrmsr
    mov %cr0, %eax
    or $(CR0_PG | CR0_PE | CR0_WP), %eax
    mov %eax, %cr0

    lgdt boot_gdt_desc
    ljmp $BOOT_CS64, $boot_entry64

no_long_mode:
    mov $msg_no_lm, %ebx
3:  movzbl (%ebx), %eax
    test %eax, %eax
    jz 5f
    mov %eax, %ecx
    mov $(COM1 + 5), %dx            /* wait for THR empty (LSR bit 5) */
4:  in %dx, %al
    test $0x20, %al
    jz 4b
    mov $COM1, %dx
    mov %ecx, %eax
    out %al, %dx
    inc %ebx
    jmp 3b
5:  hlt
    jmp 5b

    .code64
boot_entry64:
    mov $BOOT_DS64, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    xor %eax, %eax
    mov %eax, %fs
    mov %eax, %gs
    mov $boot_stack_top, %rsp
    xor %ebp, %ebp                  /* ends the stack trace */
    mov %esi, %esi                  /* zero-extend magic and info */
    mov %edi, %edi
    xchg %rsi, %rdi                 /* boot_main(magic, info) */
    call boot_main
6:  cli
    hlt
    jmp 6b

    .section .rodata
msg_no_lm:
    .asciz "BareKVM: this CPU has no long mode (CPUID 8000_0001h EDX.LM=0); halting\r\n"

    .balign 16
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff        /* 0x08: 64-bit code, DPL 0 */
    .quad 0x00cf92000000ffff        /* 0x10: data, DPL 0 */
boot_gdt_end:
boot_gdt_desc:
    .short boot_gdt_end - boot_gdt - 1
    .long boot_gdt

    .section .bss
    .balign 4096
    .global boot_pml4
boot_pml4:  .skip 4096
boot_pdpt:  .skip 4096
    .global boot_pd
boot_pd:    .skip 4096 * BOOT_IDMAP_GB
    .global boot_stack_bottom, boot_stack_top
boot_stack_bottom:
    .skip BOOT_STACK_SIZE
boot_stack_top:

    .section .note.GNU-stack, "", @progbits
