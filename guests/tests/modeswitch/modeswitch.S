/*
 * modeswitch.bin: the mode transitions boot code makes (docs/test-guests.md,
 * "modeswitch.bin"), for VMX without unrestricted guest, where the states
 * between them run in software (docs/architecture.md). Loaded like
 * real.bin (GPA 0x10000, CS:IP = 1000:0000), it goes real mode -> 32-bit
 * protected mode (LGDT, MOV CR0.PE, far jump) -> paging with a 4 MiB page
 * (CR4.PSE, CR3, CR0.PG: the CPU can run this one) -> paging off -> 16-bit
 * protected mode -> real mode (PE cleared, far jump) with FS keeping a
 * 4 GiB limit ("big real mode"), checking each state from inside, then
 * reports "modeswitch: PASS n/n" and writes the failures to port 0xf4.
 *
 * Every segment but the flat FS has base 0x10000, the image's load
 * address, so the link-time offsets (modeswitch.ld: from 0) are the
 * addresses in every mode.
 */
#define COM1_PORT        0x3f8
#define UART_THR         (COM1_PORT + 0)
#define UART_LSR         (COM1_PORT + 5)
#define UART_LSR_THRE    0x20
#define DEBUG_EXIT_PORT  0xf4

#define IMAGE_BASE       0x10000
#define IMAGE_SEG        0x1000
#define CR0_PE           (1 << 0)
#define CR0_PG           (1 << 31)
#define CR4_PSE          (1 << 4)
#define PDE_4M_RW        0x83           /* P, R/W, PS */
#define ALIAS_4M         0x400000       /* linear 4-8 MiB: physical 0-4 MiB again */
#define BIG_REAL_ADDR    0x300000       /* above 1 MiB: only a 4 GiB limit reaches it */
#define MAGIC            0x5a5aa5a5

#define SEL_CODE32       0x08
#define SEL_DATA32       0x10
#define SEL_FLAT         0x18
#define SEL_CODE16       0x20
#define SEL_DATA16       0x28

/* putc for the mode the macro is expanded in: AL, polling LSR.THRE */
.macro PUTC_BODY
	push	%dx
	push	%ax
	mov	%al, %ah
1:	mov	$UART_LSR, %dx
	in	%dx, %al
	test	$UART_LSR_THRE, %al
	jz	1b
	mov	%ah, %al
	mov	$UART_THR, %dx
	out	%al, %dx
	pop	%ax
	pop	%dx
	ret
.endm

	.code16
	.section .text.entry, "ax", @progbits
	.globl	_start
_start:
	cli
	mov	%cs, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	$stack_top, %sp
	cld
	mov	$msg_hello, %si
	call	say16

	smsw	%ax
	test	$CR0_PE, %ax
	mov	$msg_real_entry, %si
	call	check16_z

	/* into 32-bit protected mode: the GDT's base is linear */
	lgdtl	gdt_desc
	mov	%cr0, %eax
	or	$CR0_PE, %eax
	mov	%eax, %cr0
	ljmpl	$SEL_CODE32, $prot32

	.code32
prot32:
	mov	$SEL_DATA32, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	$stack_top, %esp
	mov	%cr0, %eax
	test	$CR0_PE, %eax
	mov	$msg_prot_pe, %esi
	call	check32_nz
	mov	%cr0, %eax
	test	$CR0_PG, %eax
	mov	$msg_prot_nopg, %esi
	call	check32_z

	/* paging: two 4 MiB pages, 0 and 4 MiB, both onto physical 0 */
	movl	$PDE_4M_RW, page_dir
	movl	$PDE_4M_RW, page_dir + 4
	mov	%cr4, %eax
	or	$CR4_PSE, %eax
	mov	%eax, %cr4
	mov	$page_dir + IMAGE_BASE, %eax
	mov	%eax, %cr3
	mov	%cr0, %eax
	or	$CR0_PG, %eax
	mov	%eax, %cr0
	jmp	1f
1:	mov	%cr0, %eax
	test	$CR0_PG, %eax
	mov	$msg_paging_on, %esi
	call	check32_nz
	movl	$MAGIC, magic
	mov	ALIAS_4M + magic, %eax  /* the same word through the alias */
	cmp	$MAGIC, %eax
	mov	$msg_alias, %esi
	call	check32_z
	mov	%cr3, %eax
	cmp	$page_dir + IMAGE_BASE, %eax
	mov	$msg_cr3, %esi
	call	check32_z

	/* paging off again; then 16-bit protected mode and real mode */
	mov	%cr0, %eax
	and	$~CR0_PG, %eax
	mov	%eax, %cr0
	mov	%cr0, %eax
	test	$CR0_PG, %eax
	mov	$msg_paging_off, %esi
	call	check32_z
	mov	$SEL_FLAT, %ax
	mov	%ax, %fs
	mov	$SEL_DATA16, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	ljmp	$SEL_CODE16, $prot16

	.code16
prot16:
	mov	%cr0, %eax
	and	$~CR0_PE, %eax
	mov	%eax, %cr0
	ljmp	$IMAGE_SEG, $real_again
real_again:
	mov	%cs, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	smsw	%ax
	test	$CR0_PE, %ax
	mov	$msg_real_again, %si
	call	check16_z

	/* big real mode: FS kept base 0 and its 4 GiB limit */
	mov	$BIG_REAL_ADDR, %ebx
	movl	$MAGIC, %fs:(%ebx)
	notl	%fs:(%ebx)
	cmpl	$~MAGIC, %fs:(%ebx)
	mov	$msg_big_real, %si
	call	check16_z

	/* an interrupt through the real-mode IVT after the round trip */
	xor	%ax, %ax
	mov	%ax, %fs
	movw	$int_handler, %fs:(0x60 * 4)
	movw	%cs, %fs:(0x60 * 4 + 2)
	movw	$0, int_seen
	int	$0x60
	cmpw	$1, int_seen
	mov	$msg_ivt, %si
	call	check16_z

	/* RDTSC in real mode (software on VMX without unrestricted guest:
	 * core/soft_exit.c): the counter moves forward between two reads */
	rdtsc
	mov	%eax, %ebx
	mov	%edx, %ecx
	rdtsc
	mov	$1, %di
	sub	%ebx, %eax
	sbb	%ecx, %edx
	js	1f                      /* went backwards */
	or	%edx, %eax
	jz	1f                      /* stood still */
	xor	%di, %di
1:	test	%di, %di
	mov	$msg_tsc, %si
	call	check16_z

	/* tally, failures to the exit port */
	mov	$msg_prefix, %si
	call	puts16
	mov	$msg_pass, %si
	cmpw	$0, failed
	je	1f
	mov	$msg_fail, %si
1:	call	puts16
	mov	passed, %ax
	call	putdigit16
	mov	$'/', %al
	call	putc16
	mov	passed, %ax
	add	failed, %ax
	call	putdigit16
	mov	$'\n', %al
	call	putc16
	mov	failed, %ax
	out	%al, $DEBUG_EXIT_PORT
2:	hlt
	jmp	2b

int_handler:
	incw	%cs:int_seen
	iret

/* ZF set: PASS (SI the check's name), else FAIL. */
check16_z:
	jnz	1f
	incw	passed
	push	%si
	mov	$msg_pass_sp, %si
	jmp	2f
1:	incw	failed
	push	%si
	mov	$msg_fail_sp, %si
2:	call	say16_prefixed
	pop	%si
	call	puts16
	mov	$'\n', %al
	jmp	putc16

/* "modeswitch: " then SI, without a newline */
say16_prefixed:
	push	%si
	mov	$msg_prefix, %si
	call	puts16
	pop	%si
	jmp	puts16

say16:
	call	say16_prefixed
	mov	$'\n', %al
	jmp	putc16

/* AX < 100 in decimal */
putdigit16:
	mov	$10, %dl
	div	%dl
	test	%al, %al
	jz	1f
	add	$'0', %al
	call	putc16
1:	mov	%ah, %al
	add	$'0', %al
	jmp	putc16

puts16:
	push	%ax
	push	%si
1:	lodsb
	test	%al, %al
	jz	2f
	call	putc16
	jmp	1b
2:	pop	%si
	pop	%ax
	ret

putc16:
	PUTC_BODY

	.code32
check32_nz:
	jz	1f
	incl	passed
	push	%esi
	mov	$msg_pass_sp, %esi
	jmp	2f
1:	incl	failed
	push	%esi
	mov	$msg_fail_sp, %esi
	jmp	2f
check32_z:
	jnz	1b
	incl	passed
	push	%esi
	mov	$msg_pass_sp, %esi
2:	push	%esi
	mov	$msg_prefix, %esi
	call	puts32
	pop	%esi
	call	puts32
	pop	%esi
	call	puts32
	mov	$'\n', %al
	jmp	putc32

puts32:
	push	%eax
	push	%esi
1:	lodsb
	test	%al, %al
	jz	2f
	call	putc32
	jmp	1b
2:	pop	%esi
	pop	%eax
	ret

putc32:
	PUTC_BODY

	.section .rodata
	.balign	8
gdt:
	.quad	0
	.quad	0x00cf9b010000ffff      /* 0x08 code32, base 0x10000, 4 GiB */
	.quad	0x00cf93010000ffff      /* 0x10 data32, base 0x10000, 4 GiB */
	.quad	0x00cf93000000ffff      /* 0x18 flat data, base 0, 4 GiB */
	.quad	0x00009b010000ffff      /* 0x20 code16, base 0x10000, 64 KiB */
	.quad	0x000093010000ffff      /* 0x28 data16, base 0x10000, 64 KiB */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt + IMAGE_BASE

msg_prefix:     .asciz "modeswitch: "
msg_pass_sp:    .asciz "PASS "
msg_fail_sp:    .asciz "FAIL "
msg_pass:       .asciz "PASS "
msg_fail:       .asciz "FAIL "
msg_hello:      .asciz "hello from real mode, about to switch modes"
msg_real_entry: .asciz "real mode at entry: cr0.pe = 0"
msg_prot_pe:    .asciz "protected mode after mov cr0 and a far jump: cr0.pe = 1"
msg_prot_nopg:  .asciz "protected mode without paging: cr0.pg = 0"
msg_paging_on:  .asciz "paging on (cr4.pse, cr3, cr0.pg): cr0.pg = 1"
msg_alias:      .asciz "paging: a second 4 MiB page aliases physical 0"
msg_cr3:        .asciz "paging: cr3 reads back the page directory"
msg_paging_off: .asciz "paging off again: cr0.pg = 0"
msg_real_again: .asciz "back in real mode through 16-bit protected mode: cr0.pe = 0"
msg_big_real:   .asciz "big real mode: fs keeps its 4 GiB limit, a dword above 1 MiB written and read"
msg_ivt:        .asciz "int 0x60 through the real-mode ivt after the round trip"
msg_tsc:        .asciz "rdtsc in real mode counts forward"

	.data
	.balign	4
passed:         .long 0
failed:         .long 0
magic:          .long 0
int_seen:       .word 0
	.balign	4096
page_dir:       .fill 1024, 4, 0
stack:          .fill 1024, 1, 0
stack_top:
