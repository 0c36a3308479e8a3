/*
 * vm86.bin's way into virtual-8086 mode and back (main.c). vm86_run keeps
 * the callee-saved registers and ESP, then IRETs into virtual-8086 mode
 * (SDM Vol. 2 IRET, "RETURN-TO-VIRTUAL-8086-MODE": EIP CS EFLAGS ESP SS
 * ES DS FS GS on the stack). The program ends with an INT n whose
 * interrupt gate is vm86_exit: on the TSS's ring-0 stack the CPU pushed
 * GS FS DS ES SS ESP EFLAGS CS EIP and left DS, ES, FS and GS null (SDM
 * Vol. 3 20.3.1.1): load them, copy the frame out, and return from
 * vm86_run.
 */
#define SEL_DATA 0x10

	.code32
	.text

	.globl	vm86_run
vm86_run:
	push	%ebp
	push	%ebx
	push	%esi
	push	%edi
	mov	%esp, vm86_saved_esp
	mov	20(%esp), %esi
	mov	$8, %ecx
1:	pushl	(%esi, %ecx, 4)
	dec	%ecx
	jns	1b
	iret

	.globl	vm86_exit
vm86_exit:
	mov	$SEL_DATA, %eax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %fs
	mov	%ax, %gs
	mov	%esp, %esi
	mov	$vm86_seen, %edi
	mov	$9, %ecx
	cld
	rep movsl
	mov	vm86_saved_esp, %esp
	pop	%edi
	pop	%esi
	pop	%ebx
	pop	%ebp
	ret

	.data
	.globl	vm86_seen
	.p2align 2
vm86_seen:
	.fill	9, 4, 0
vm86_saved_esp:
	.long	0

	.section .note.GNU-stack, "", @progbits
