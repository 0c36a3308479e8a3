/*
 * Multiboot2 header (Multiboot2 spec, section 3.1). GRUB finds it in the first
 * 32 KiB of the image; linker.ld places .multiboot2 first. We load as a plain
 * ELF, so no address tag; no framebuffer tag: the console is the serial port.
 */
#define MB2_HEADER_MAGIC 0xe85250d6
#define MB2_ARCH_I386    0

    .section .multiboot2, "a"
    .balign 8
mb2_header_start:
    .long MB2_HEADER_MAGIC
    .long MB2_ARCH_I386
    .long mb2_header_end - mb2_header_start
    .long -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header_start))

    /* information request: we cannot boot without a memory map */
    .balign 8
    .short 1                        /* type: information request */
    .short 0                        /* flags: required */
    .long 12
    .long 6                         /* memory map */

    /* end tag */
    .balign 8
    .short 0
    .short 0
    .long 8
mb2_header_end:

    .section .note.GNU-stack, "", @progbits
