/*
 * real.bin: the 16-bit real-mode test guest (docs/test-guests.md,
 * "real.bin"). Plain 8086-style code plus 32-bit registers where CPUID and
 * the checks need them (a 386 or later in real mode).
 *
 * The VMM loads the flat image at GPA 0x10000 and enters at CS:IP =
 * 1000:0000 with DS = ES = 0x1000 and SS:SP = 2000:FFFE, CR0.PE = 0,
 * FLAGS = 0x0002. The guest records that state, then sets the same
 * segments itself, so a wrong entry state is one FAIL line and not a crash.
 * Linked at offset 0 of its segment; it must fit in 64 KiB (real.ld).
 *
 * Output format as in the C guests (lib/check.c): "real: PASS <what>" or
 * "real: FAIL <what>" per check, then "real: PASS n/n" or
 * "real: FAIL passed/n"; the number of failures goes to the exit port.
 */
#define COM1_PORT        0x3f8
#define UART_THR         (COM1_PORT + 0)
#define UART_FCR         (COM1_PORT + 2)
#define UART_LSR         (COM1_PORT + 5)
#define UART_LSR_THRE    0x20
#define UART_FCR_ENABLE_CLEAR 0x07
#define UART_FIFO_BYTES  16
#define DEBUG_EXIT_PORT  0xf4
#define UNCLAIMED_PORT   0xe8

#define IMAGE_SEG        0x1000         /* GPA 0x10000 */
#define STACK_SEG        0x2000         /* GPA 0x20000 - 0x2ffff */
#define STACK_TOP        0xfffe

#define FLAGS_IF         (1 << 9)
#define FLAGS_DF         (1 << 10)
#define CR0_PE           (1 << 0)

/* Upper halves the 16-bit string IO must neither use nor change. */
#define ESI_UPPER        0xdead0000
#define ECX_UPPER        0xbeef0000

	.code16
	.section .text.entry, "ax", @progbits
	.globl	_start
_start:
	/* The entry state as the VMM left it; CS-relative stores, since
	 * DS may not be what we asked for. */
	mov	%cs, %cs:entry_cs
	mov	%ds, %cs:entry_ds
	mov	%es, %cs:entry_es
	mov	%ss, %cs:entry_ss
	mov	%sp, %cs:entry_sp
	smsw	%cs:entry_msw

	mov	%cs, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	$STACK_SEG, %ax
	mov	%ax, %ss
	mov	$STACK_TOP, %sp         /* MOV SS shadow covers this one */
	pushf                           /* FLAGS: no instruction above changes them */
	popw	entry_flags
	cld

	mov	$UART_FCR, %dx
	mov	$UART_FCR_ENABLE_CLEAR, %al
	out	%al, %dx

	mov	$msg_hello, %si
	call	say

	call	check_entry_state
	call	check_outsb_forward
	call	check_outsb_backward
	call	check_cpuid_vendor
	call	check_in_unclaimed

	/* Tally, then OUT failures to the exit port; HLT if it returns. */
	mov	$msg_prefix, %si
	call	puts
	mov	$msg_pass, %si
	cmpw	$0, failed
	je	1f
	mov	$msg_fail, %si
1:	call	puts
	mov	passed, %ax
	call	putdec
	mov	$'/', %al
	call	putc
	mov	passed, %ax
	add	failed, %ax
	call	putdec
	mov	$'\n', %al
	call	putc

	mov	failed, %ax
	cmp	$255, %ax
	jbe	2f
	mov	$255, %al
2:	out	%al, $DEBUG_EXIT_PORT
3:	cli
	hlt
	jmp	3b

/* ---- the checks ----------------------------------------------------------- */

check_entry_state:
	mov	$msg_entry, %si
	call	puts
	mov	$msg_cs, %si
	mov	entry_cs, %ax
	call	put_field
	mov	$msg_ds, %si
	mov	entry_ds, %ax
	call	put_field
	mov	$msg_es, %si
	mov	entry_es, %ax
	call	put_field
	mov	$msg_ss, %si
	mov	entry_ss, %ax
	call	put_field
	mov	$msg_sp, %si
	mov	entry_sp, %ax
	call	put_field
	mov	$msg_flags, %si
	mov	entry_flags, %ax
	call	put_field
	mov	$msg_msw, %si
	mov	entry_msw, %ax
	call	put_field
	mov	$'\n', %al
	call	putc

	/* What the guest cannot run without: CS = 0x1000 (so IP was 0 at
	 * _start), real mode, interrupts off, DF clear. */
	xor	%al, %al
	cmpw	$IMAGE_SEG, entry_cs
	jne	1f
	testw	$CR0_PE, entry_msw
	jnz	1f
	testw	$(FLAGS_IF | FLAGS_DF), entry_flags
	jnz	1f
	mov	$1, %al
1:	mov	$chk_entry, %si
	call	report

	/* The documented data segments and stack; the guest sets them again
	 * itself, so a VMM that differs gets this FAIL line and nothing worse. */
	xor	%al, %al
	cmpw	$IMAGE_SEG, entry_ds
	jne	2f
	cmpw	$IMAGE_SEG, entry_es
	jne	2f
	cmpw	$STACK_SEG, entry_ss
	jne	2f
	cmpw	$STACK_TOP, entry_sp
	jne	2f
	mov	$1, %al
2:	mov	$chk_entry_segs, %si
	jmp	report

/*
 * REP OUTSB with DF = 0 and 16-bit address size: the CPU uses SI and CX
 * only and leaves the upper halves of ESI and ECX alone; so must the VMM
 * (kvm_run io.count = RCX masked to the address size).
 */
check_outsb_forward:
	mov	$msg_prefix, %si
	call	puts
	mov	$(ESI_UPPER + fwd_text), %esi
	mov	$(ECX_UPPER + FWD_LEN), %ecx
	call	outsb_burst
	xor	%al, %al
	cmp	$(ESI_UPPER + fwd_text + FWD_LEN), %esi
	jne	1f
	cmp	$ECX_UPPER, %ecx
	jne	1f
	mov	$1, %al
1:	xor	%esi, %esi
	xor	%ecx, %ecx
	mov	$chk_fwd, %si
	jmp	report

/*
 * STD; REP OUTSB from the last byte of a reversed copy of bwd_text: the
 * line reads right only if the VMM honours string_down (DF = 1).
 */
check_outsb_backward:
	mov	$bwd_text, %si
	mov	$(bwd_buf + BWD_LEN - 1), %di
	mov	$BWD_LEN, %cx
1:	lodsb
	mov	%al, (%di)
	dec	%di
	loop	1b

	mov	$msg_prefix, %si
	call	puts
	mov	$(bwd_buf + BWD_LEN - 1), %si
	mov	$BWD_LEN, %cx
	std
	call	outsb_burst
	cld
	xor	%al, %al
	cmp	$(bwd_buf - 1), %si
	jne	2f
	test	%cx, %cx
	jne	2f
	mov	$1, %al
2:	mov	$chk_bwd, %si
	jmp	report

/* CPUID leaf 0: EBX, EDX, ECX spell the vendor: 12 printable characters. */
check_cpuid_vendor:
	xor	%eax, %eax
	xor	%ecx, %ecx
	cpuid
	mov	%eax, cpuid_max
	mov	%ebx, vendor
	mov	%edx, vendor + 4
	mov	%ecx, vendor + 8

	mov	$msg_cpuid, %si
	call	puts
	mov	cpuid_max, %eax
	mov	$8, %cx
	call	puthex
	mov	$msg_vendor, %si
	call	puts
	mov	$vendor, %si
	mov	$12, %cx
	mov	$1, %bl                 /* printable so far */
1:	lodsb
	cmp	$0x20, %al
	jb	2f
	cmp	$0x7e, %al
	jbe	3f
2:	mov	$'?', %al
	xor	%bl, %bl
3:	call	putc
	loop	1b
	mov	$msg_quote_nl, %si
	call	puts
	mov	%bl, %al
	mov	$chk_vendor, %si
	jmp	report

/* IN AL, DX and IN AX, DX from a port nobody claims: all ones, with the
 * rest of EAX untouched. */
check_in_unclaimed:
	mov	$UNCLAIMED_PORT, %dx
	mov	$0x12345600, %eax
	in	%dx, %al
	mov	%eax, %ebx
	mov	$msg_in_al, %si
	call	puts
	mov	%ebx, %eax
	mov	$8, %cx
	call	puthex
	mov	$'\n', %al
	call	putc
	xor	%al, %al
	cmp	$0x123456ff, %ebx
	jne	1f
	mov	$1, %al
1:	mov	$chk_in_al, %si
	call	report

	mov	$UNCLAIMED_PORT, %dx
	mov	$0x5a5a0000, %eax
	in	%dx, %ax
	mov	%eax, %ebx
	mov	$msg_in_ax, %si
	call	puts
	mov	%ebx, %eax
	mov	$8, %cx
	call	puthex
	mov	$'\n', %al
	call	putc
	xor	%al, %al
	cmp	$0x5a5affff, %ebx
	jne	2f
	mov	$1, %al
2:	mov	$chk_in_ax, %si
	jmp	report

/* ---- helpers: each preserves every register it does not document ------- */

/* AL != 0: "real: PASS <SI>\n", else "real: FAIL <SI>\n"; counts it.
 * Clobbers AL and SI. */
report:
	push	%si
	mov	$msg_prefix, %si
	call	puts
	mov	$msg_pass, %si
	test	%al, %al
	jz	1f
	incw	passed
	jmp	2f
1:	mov	$msg_fail, %si
	incw	failed
2:	call	puts
	pop	%si
	call	puts
	mov	$'\n', %al
	call	putc
	ret

/* "real: <SI>\n" */
say:
	push	%si
	mov	$msg_prefix, %si
	call	puts
	pop	%si
	call	puts
	push	%ax
	mov	$'\n', %al
	call	putc
	pop	%ax
	ret

/* " <SI>=<AX as 4 hex digits>" */
put_field:
	push	%eax
	push	%cx
	push	%ax
	mov	$' ', %al
	call	putc
	call	puts
	mov	$'=', %al
	call	putc
	pop	%ax
	movzwl	%ax, %eax
	mov	$4, %cx
	call	puthex
	pop	%cx
	pop	%eax
	ret

/* Print the NUL-terminated string at DS:SI (DF = 0). */
puts:
	push	%ax
	push	%si
1:	lodsb
	test	%al, %al
	jz	2f
	call	putc
	jmp	1b
2:	pop	%si
	pop	%ax
	ret

/* Print the low CX (1-8) hex digits of EAX. */
puthex:
	push	%eax
	push	%edx
	push	%cx
	mov	%eax, %edx
	shl	$2, %cl                 /* bits to print */
	neg	%cl
	add	$32, %cl
	shl	%cl, %edx               /* first digit in the top nibble */
	pop	%cx
	push	%cx
1:	rol	$4, %edx
	mov	%dl, %al
	and	$0xf, %al
	add	$'0', %al
	cmp	$'9', %al
	jbe	2f
	add	$('a' - '0' - 10), %al
2:	call	putc
	loop	1b
	pop	%cx
	pop	%edx
	pop	%eax
	ret

/* Print AX in decimal. */
putdec:
	push	%ax
	push	%cx
	push	%dx
	push	%bx
	mov	$10, %bx
	xor	%cx, %cx
1:	xor	%dx, %dx
	div	%bx
	push	%dx
	inc	%cx
	test	%ax, %ax
	jnz	1b
2:	pop	%ax
	add	$'0', %al
	call	putc
	loop	2b
	pop	%bx
	pop	%dx
	pop	%cx
	pop	%ax
	ret

/* Print AL; '\n' goes out as "\r\n". Each byte waits for THRE. */
putc:
	cmp	$'\n', %al
	jne	putc_raw
	push	%ax
	mov	$'\r', %al
	call	putc_raw
	pop	%ax
putc_raw:
	call	wait_thre
	push	%dx
	mov	$UART_THR, %dx
	out	%al, %dx
	pop	%dx
	ret

/* Poll LSR until THRE, at most 65536 times (then go on anyway). */
wait_thre:
	push	%ax
	push	%cx
	push	%dx
	mov	$UART_LSR, %dx
	xor	%cx, %cx
1:	in	%dx, %al
	test	$UART_LSR_THRE, %al
	jnz	2f
	loop	1b
2:	pop	%dx
	pop	%cx
	pop	%ax
	ret

/*
 * REP OUTSB of CX bytes from DS:SI to the THR in direction DF, in chunks
 * of at most 16 (the 16550A FIFO), each after THRE. Returns SI and CX as
 * the last REP OUTSB left them (CX 0 unless the VMM stopped early); only
 * SI and CX, never their upper halves, are written.
 */
outsb_burst:
	push	%bx
	push	%dx
	mov	%cx, %bx                /* bytes left to send */
1:	test	%bx, %bx
	jz	3f
	mov	$UART_FIFO_BYTES, %cx
	cmp	%cx, %bx
	jae	2f
	mov	%bx, %cx
2:	sub	%cx, %bx
	call	wait_thre
	mov	$UART_THR, %dx
	rep outsb
	test	%cx, %cx
	jz	1b
	push	%ax                     /* stopped early: end the line */
	mov	$'\n', %al
	call	putc
	pop	%ax
3:	pop	%dx
	pop	%bx
	ret

/* ---- text ----------------------------------------------------------------- */
	.section .rodata, "a", @progbits
msg_prefix:	.asciz	"real: "
msg_pass:	.asciz	"PASS "
msg_fail:	.asciz	"FAIL "
msg_hello:	.asciz	"hello from 16-bit real mode"
msg_entry:	.asciz	"real: entry:"
msg_cs:		.asciz	"cs"
msg_ds:		.asciz	"ds"
msg_es:		.asciz	"es"
msg_ss:		.asciz	"ss"
msg_sp:		.asciz	"sp"
msg_flags:	.asciz	"flags"
msg_msw:	.asciz	"msw"
msg_cpuid:	.asciz	"real: cpuid 0: max leaf 0x"
msg_vendor:	.asciz	", vendor '"
msg_quote_nl:	.asciz	"'\n"
msg_in_al:	.asciz	"real: in al, dx (port 0xe8) with eax=0x12345600: eax=0x"
msg_in_ax:	.asciz	"real: in ax, dx (port 0xe8) with eax=0x5a5a0000: eax=0x"
chk_entry:	.asciz	"entry state: cs:ip = 1000:0000, cr0.pe = 0, flags.if = df = 0"
chk_entry_segs:	.asciz	"entry segments: ds = es = 0x1000, ss:sp = 2000:fffe"
chk_fwd:	.asciz	"rep outsb DF=0: si up by 61, cx = 0, upper halves of esi and ecx kept"
chk_bwd:	.asciz	"rep outsb DF=1: si down by 59, cx = 0"
chk_vendor:	.asciz	"cpuid 0: vendor is 12 printable characters"
chk_in_al:	.asciz	"in al, dx from unclaimed port 0xe8 reads 0xff, rest of eax kept"
chk_in_ax:	.asciz	"in ax, dx from unclaimed port 0xe8 reads 0xffff, rest of eax kept"

/* Sent by REP OUTSB, so "\r\n" is spelled out. */
fwd_text:	.ascii	"rep outsb DF=0: the quick brown fox jumps over the lazy dog\r\n"
	.set	FWD_LEN, . - fwd_text
bwd_text:	.ascii	"rep outsb DF=1: sent last byte first from a reversed copy\r\n"
	.set	BWD_LEN, . - bwd_text
	/* The check lines above spell these lengths out. */
	.if	FWD_LEN != 61 || BWD_LEN != 59
	.error	"update chk_fwd and chk_bwd to the new text lengths"
	.endif

/* ---- state ---------------------------------------------------------------- */
	.section .data, "aw", @progbits
	.balign	4
cpuid_max:	.long	0
vendor:		.skip	12
passed:		.word	0
failed:		.word	0
entry_cs:	.word	0
entry_ds:	.word	0
entry_es:	.word	0
entry_ss:	.word	0
entry_sp:	.word	0
entry_flags:	.word	0
entry_msw:	.word	0
bwd_buf:	.skip	BWD_LEN

	.section .note.GNU-stack, "", @progbits
