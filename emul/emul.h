/*
 * emul.h - BareKVM x86 instruction decoder and emulator: the public interface.
 *
 * A freestanding library: it knows nothing of the hypervisor. The caller
 * hands it the guest's registers and mode (struct emul_cpu) and reaches
 * memory, IO ports and paging only through struct emul_ops callbacks, so the
 * same code runs on the hypervisor's exit path (interrupts off, per-vCPU
 * state only, no allocation) and in host unit tests.
 *
 * Two entry points:
 *  - emul_decode(): bytes -> length and decoded form, or a precise reason it
 *    cannot (need more bytes, longer than 15 bytes, #UD, unsupported).
 *  - emul_execute(): runs one instruction against a vCPU. Accesses to memory
 *    the callbacks call "not RAM" (MMIO) and port IO come back to the caller
 *    as requests; the caller completes them and calls again (the
 *    KVM_EXIT_MMIO / KVM_EXIT_IO round trip). The protocol is described at
 *    emul_execute() below and in docs/emulator.md.
 *
 * All state lives in caller-provided structs; nothing is global, so any
 * number of vCPUs may use the library concurrently with their own contexts.
 */
#ifndef EMUL_EMUL_H
#define EMUL_EMUL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------ */
/* CPU mode                                                           */
/* ------------------------------------------------------------------ */

/*
 * The execution mode, derived by the caller (or emul_mode_of()) from CR0.PE,
 * RFLAGS.VM, EFER.LMA, CS.L and CS.D (Intel SDM Vol. 3A 2.2, AMD APM Vol. 2
 * 1.2). Compatibility mode (EFER.LMA = 1, CS.L = 0) is EMUL_MODE_PROT16 or
 * EMUL_MODE_PROT32 by CS.D: the instruction set and segmentation behave as in
 * protected mode; paging is the callbacks' business.
 */
enum emul_mode {
	EMUL_MODE_REAL = 0,   /* CR0.PE = 0 */
	EMUL_MODE_PROT16 = 1, /* CR0.PE = 1, CS.D = 0 */
	EMUL_MODE_PROT32 = 2, /* CR0.PE = 1, CS.D = 1 */
	EMUL_MODE_LONG64 = 3, /* EFER.LMA = 1, CS.L = 1 */
	EMUL_MODE_VM86 = 4,   /* RFLAGS.VM = 1: 16-bit, real-mode addressing,
			       * CPL 3 (docs/emulator.md "Virtual-8086 mode") */
};

/* Mode from the architectural bits; cs_l/cs_d are the CS attributes. */
enum emul_mode emul_mode_of(uint64_t cr0, uint64_t efer, uint64_t rflags,
			    bool cs_l, bool cs_d);

/*
 * Whose behaviour to follow where Intel and AMD processors differ: the
 * vendor the guest's CPUID reports. docs/emulator.md ("Intel and AMD")
 * lists every difference the emulator models: 66h on near branches in
 * 64-bit mode (decoding and execution), MOVSXD with a 16-bit operand size,
 * PUSH Sreg with a 32-bit operand size, REP string with a zero count,
 * 0F 0D (PREFETCHW group) with a register or without AMD's features.
 */
enum emul_vendor {
	EMUL_VENDOR_INTEL = 0, /* also any vendor that is not AMD-compatible */
	EMUL_VENDOR_AMD = 1,   /* AuthenticAMD, HygonGenuine */
};

/* The vendor for a CPUID leaf 0 vendor string (EBX, EDX, ECX order). */
enum emul_vendor emul_vendor_of(const char vendor_id[12]);

/* ------------------------------------------------------------------ */
/* Decoder                                                            */
/* ------------------------------------------------------------------ */

/* Negative results of emul_decode() (and emul_insn_len()). */
#define EMUL_E_NEED_MORE (-1)   /* avail < 15 and the instruction needs more */
#define EMUL_E_TOO_LONG (-2)    /* longer than 15 bytes: the CPU raises #GP(0) */
#define EMUL_E_UD (-3)          /* the CPU raises #UD for these bytes */

#define EMUL_MAX_INSN_LEN 15

/* Opcode maps (insn->map). VEX/EVEX/XOP forms keep their own map number. */
enum emul_map {
	EMUL_MAP_1B = 0,   /* one-byte map */
	EMUL_MAP_0F = 1,   /* 0F xx */
	EMUL_MAP_0F38 = 2, /* 0F 38 xx */
	EMUL_MAP_0F3A = 3, /* 0F 3A xx */
};

/* insn->pfx bits: the legacy prefixes seen. */
#define EMUL_PFX_LOCK 0x01
#define EMUL_PFX_REP 0x02   /* F3 was the last of F2/F3 */
#define EMUL_PFX_REPNE 0x04 /* F2 was the last of F2/F3 */
#define EMUL_PFX_OPSZ 0x08  /* 66 */
#define EMUL_PFX_ADSZ 0x10  /* 67 */
#define EMUL_PFX_SEG 0x20   /* an effective segment override */

/* insn->vex: which extended prefix introduced the opcode. */
#define EMUL_VEX_NONE 0
#define EMUL_VEX_VEX2 1 /* C5 */
#define EMUL_VEX_VEX3 2 /* C4 */
#define EMUL_VEX_EVEX 3 /* 62 */
#define EMUL_VEX_XOP 4  /* 8F (AMD) */

/* Segment registers, numbered as in the ModRM sreg field. */
enum emul_sreg {
	EMUL_SEG_ES = 0,
	EMUL_SEG_CS = 1,
	EMUL_SEG_SS = 2,
	EMUL_SEG_DS = 3,
	EMUL_SEG_FS = 4,
	EMUL_SEG_GS = 5,
	EMUL_SEG_NONE = 7,
};

/* The decoded form of one instruction. Filled by emul_decode(). */
struct emul_insn {
	uint8_t len;      /* 1..15 */
	uint8_t mode;     /* enum emul_mode it was decoded for */
	uint8_t vendor;   /* enum emul_vendor it was decoded for */
	uint8_t map;      /* enum emul_map */
	uint8_t opcode;   /* the opcode byte within map */
	uint8_t vex;      /* EMUL_VEX_* */
	uint8_t vex_pp;   /* VEX/EVEX/XOP pp: implied 66, F3, F2 (1, 2, 3) */
	uint8_t vex_l;    /* VEX.L (EVEX: L'L) */
	uint8_t vex_vvvv; /* VEX/XOP vvvv, un-inverted (all 4 bits) */
	uint8_t pfx;      /* EMUL_PFX_* */
	uint8_t rex;      /* the REX byte (0x40..0x4F) or 0 */
	uint8_t opsize;   /* operand size in bytes: 2, 4 or 8 (1 for byte ops) */
	uint8_t addrsize; /* address size in bytes: 2, 4 or 8 */
	uint8_t seg;      /* segment of the ModRM/string source operand */
	uint8_t has_modrm;
	uint8_t modrm;
	uint8_t mod;      /* ModRM.mod */
	uint8_t reg;      /* ModRM.reg with REX.R */
	uint8_t rm;       /* ModRM.rm with REX.B (register forms) */
	uint8_t has_sib;
	uint8_t sib;
	uint8_t mem;      /* has a ModRM memory operand */
	uint8_t rip_rel;  /* RIP/EIP-relative memory operand (64-bit mode) */
	int8_t base;      /* base GPR or -1 */
	int8_t index;     /* index GPR or -1 */
	uint8_t scale;    /* 1, 2, 4, 8 */
	uint8_t disp_len; /* 0, 1, 2, 4 */
	uint8_t imm_len;  /* bytes of the first immediate (moffs/rel too) */
	uint8_t imm2_len; /* bytes of the second immediate (ENTER, far ptr) */
	int64_t disp;     /* sign-extended displacement */
	uint64_t imm;     /* first immediate, zero-extended as encoded */
	uint64_t imm2;    /* second immediate (ENTER's level, far selector) */
	uint32_t attr;    /* private: the opcode table's attributes */
};

/*
 * Decode one instruction.
 *   insn  [OUT] decoded form (valid only when the result is > 0)
 *   bytes [IN]  instruction bytes starting at the first prefix
 *   avail [IN]  number of valid bytes; pass 15 when available, then
 *               EMUL_E_NEED_MORE can never happen
 *   mode  [IN]  execution mode
 *   vendor [IN] whose decoding to follow (66h on near branches in 64-bit
 *               mode: Intel ignores it, AMD makes the branch 16-bit)
 * Returns the length 1..15 or an EMUL_E_* code. Every valid instruction of
 * the one-byte, 0F, 0F38 and 0F3A maps, x87, VEX, EVEX and XOP gets its
 * length even when emul_execute() would refuse to run it; undefined opcodes
 * of the one-byte and 0F maps, LOCK where it is illegal and operand forms
 * the CPU rejects (LEA with a register, ...) give EMUL_E_UD.
 */
int emul_decode(struct emul_insn *insn, const uint8_t *bytes, size_t avail,
		enum emul_mode mode, enum emul_vendor vendor);

/* emul_decode() without the decoded form. */
int emul_insn_len(const uint8_t *bytes, size_t avail, enum emul_mode mode,
		  enum emul_vendor vendor);

/*
 * Is the decoded instruction map/opcode (and ModRM byte, unless modrm < 0)?
 * Prefixes are not considered. Used by the SVM backend without NRIP-save to
 * check that the bytes at RIP really are what the exit claims, e.g.
 * emul_insn_is(&insn, EMUL_OPC_CPUID).
 */
bool emul_insn_is(const struct emul_insn *insn, unsigned map, uint8_t opcode,
		  int modrm);

#define EMUL_OPC_HLT EMUL_MAP_1B, 0xF4, -1
#define EMUL_OPC_CPUID EMUL_MAP_0F, 0xA2, -1
#define EMUL_OPC_RDMSR EMUL_MAP_0F, 0x32, -1
#define EMUL_OPC_WRMSR EMUL_MAP_0F, 0x30, -1
#define EMUL_OPC_RDTSC EMUL_MAP_0F, 0x31, -1
#define EMUL_OPC_RDPMC EMUL_MAP_0F, 0x33, -1
#define EMUL_OPC_INVD EMUL_MAP_0F, 0x08, -1
#define EMUL_OPC_WBINVD EMUL_MAP_0F, 0x09, -1
#define EMUL_OPC_VMCALL EMUL_MAP_0F, 0x01, 0xC1
#define EMUL_OPC_VMMCALL EMUL_MAP_0F, 0x01, 0xD9
#define EMUL_OPC_XSETBV EMUL_MAP_0F, 0x01, 0xD1
#define EMUL_OPC_RDTSCP EMUL_MAP_0F, 0x01, 0xF9

/* ------------------------------------------------------------------ */
/* vCPU state                                                         */
/* ------------------------------------------------------------------ */

enum emul_gpr {
	EMUL_RAX, EMUL_RCX, EMUL_RDX, EMUL_RBX,
	EMUL_RSP, EMUL_RBP, EMUL_RSI, EMUL_RDI,
	EMUL_R8, EMUL_R9, EMUL_R10, EMUL_R11,
	EMUL_R12, EMUL_R13, EMUL_R14, EMUL_R15,
};

/* RFLAGS bits (Intel SDM Vol. 1 3.4.3). */
#define EMUL_FL_CF (1u << 0)
#define EMUL_FL_PF (1u << 2)
#define EMUL_FL_AF (1u << 4)
#define EMUL_FL_ZF (1u << 6)
#define EMUL_FL_SF (1u << 7)
#define EMUL_FL_TF (1u << 8)
#define EMUL_FL_IF (1u << 9)
#define EMUL_FL_DF (1u << 10)
#define EMUL_FL_OF (1u << 11)
#define EMUL_FL_IOPL (3u << 12)
#define EMUL_FL_RF (1u << 16)
#define EMUL_FL_VM (1u << 17)
#define EMUL_FL_AC (1u << 18)
#define EMUL_FL_ARITH (EMUL_FL_CF | EMUL_FL_PF | EMUL_FL_AF | EMUL_FL_ZF | \
		       EMUL_FL_SF | EMUL_FL_OF)

/*
 * A segment register's hidden part, as the VMCS/VMCB hold it. limit is the
 * byte-granular effective limit (already scaled by G, as VMX and SVM store
 * it); g is informational. type is the 4-bit descriptor type, s = 1 for
 * code/data.
 */
struct emul_seg {
	uint64_t base;
	uint32_t limit;
	uint16_t sel;
	uint8_t type;
	uint8_t s;
	uint8_t dpl;
	uint8_t present;
	uint8_t db;
	uint8_t l;
	uint8_t g;
	uint8_t unusable; /* VMX "unusable" / a null selector loaded */
};

/* The registers an instruction may change: emul_execute() never writes
 * anything else of struct emul_cpu, except the segments it marks in
 * seg_written and CR0 with cr0_written (LMSW). */
struct emul_regs {
	uint64_t gpr[16]; /* enum emul_gpr order */
	uint64_t rip;
	uint64_t rflags;
};

struct emul_cpu {
	union {
		struct {
			uint64_t gpr[16]; /* enum emul_gpr order */
			uint64_t rip;
			uint64_t rflags;
		};
		struct emul_regs regs; /* the same, as one copyable unit */
	};
	struct emul_seg seg[6]; /* enum emul_sreg order */
	uint64_t cr0, cr2, cr3, cr4, efer;
	uint8_t cpl;
	uint8_t mode;   /* enum emul_mode */
	uint8_t vendor; /* enum emul_vendor: the guest's CPUID vendor */
	/* Bit n set when emul_execute() wrote gpr[n] (possibly with the same
	 * value); never cleared by the emulator. Lets a caller copy back only
	 * those registers after clearing it before the instruction. */
	uint16_t gpr_written;
	/* With emul_ops.get_seg: bit n set when seg[n] holds segment n; the
	 * emulator loads the others when an instruction first uses them
	 * (and sets their bits). Without get_seg all six must be filled and
	 * this is ignored. */
	uint8_t seg_loaded;
	/* Bit n set when emul_execute() loaded seg[n] (a segment load, a far
	 * transfer, an event delivery). Like gpr_written: the caller stores
	 * those segments (and the CPL, from SS.DPL/CS) when the instruction
	 * commits, and clears the bits; the emulator never clears them. */
	uint8_t seg_written;
	/* Set when emul_execute() wrote cr0 (LMSW): the caller stores it
	 * when the instruction commits, and clears it; never cleared by the
	 * emulator. */
	uint8_t cr0_written;
	/* EMUL_FEAT_*: the optional instructions the guest's CPU has (its
	 * CPUID), where having them or not changes what an encoding does. */
	uint64_t features;
};

/* emul_cpu.features bits. */
#define EMUL_FEAT_XOP 0x1   /* CPUID 8000_0001h ECX[11]: without it an 8F
			     * escape with map 8-10 is #UD */
#define EMUL_FEAT_CX16 0x2  /* CPUID 1 ECX[13]: CMPXCHG16B, else #UD */
#define EMUL_FEAT_CLZERO 0x4 /* CPUID 8000_0008h EBX[0]: CLZERO, else #UD */
#define EMUL_FEAT_INVPCID 0x8 /* CPUID 7.0 EBX[10]: INVPCID, else #UD */
#define EMUL_FEAT_RTM 0x10  /* CPUID (7,0) EBX[11]: XBEGIN/XABORT, else #UD */
#define EMUL_FEAT_BMI1 0x20 /* CPUID (7,0) EBX[3]: ANDN, BEXTR, BLS*, else #UD;
			     * TZCNT, else F3 0F BC is BSF */
#define EMUL_FEAT_BMI2 0x40 /* CPUID (7,0) EBX[8]: BZHI, MULX, PDEP, PEXT,
			     * RORX, SARX, SHLX, SHRX, else #UD */
#define EMUL_FEAT_CLFSH 0x80 /* CPUID 1 EDX[19]: CLFLUSH, else #UD */
#define EMUL_FEAT_CLFLUSHOPT 0x100 /* CPUID (7,0) EBX[23]: CLFLUSHOPT */
#define EMUL_FEAT_CLWB 0x200 /* CPUID (7,0) EBX[24]: CLWB, else #UD */
#define EMUL_FEAT_SSE4A 0x400 /* CPUID 8000_0001h ECX[6] (AMD): MOVNTSS/SD,
			      * EXTRQ, INSERTQ */
#define EMUL_FEAT_POPCNT 0x800 /* CPUID 1 ECX[23]: POPCNT, else #UD */
#define EMUL_FEAT_LZCNT 0x1000 /* CPUID 8000_0001h ECX[5] (ABM): LZCNT, else
				* F3 0F BD is BSR */
#define EMUL_FEAT_ADX 0x2000 /* CPUID (7,0) EBX[19]: ADCX/ADOX, else #UD */
/* MMX/SSE/3DNow! (emul/exec_simd.c): without the feature, #UD. */
#define EMUL_FEAT_MMX (1u << 16)       /* CPUID 1 EDX[23] */
#define EMUL_FEAT_SSE (1u << 17)       /* CPUID 1 EDX[25] */
#define EMUL_FEAT_SSE2 (1u << 18)      /* CPUID 1 EDX[26] */
#define EMUL_FEAT_SSE3 (1u << 19)      /* CPUID 1 ECX[0] */
#define EMUL_FEAT_SSSE3 (1u << 20)     /* CPUID 1 ECX[9] */
#define EMUL_FEAT_SSE41 (1u << 21)     /* CPUID 1 ECX[19] */
#define EMUL_FEAT_SSE42 (1u << 26)     /* CPUID 1 ECX[20] (and CRC32) */
#define EMUL_FEAT_MMXEXT (1u << 22)    /* CPUID 8000_0001h EDX[22] (AMD) */
#define EMUL_FEAT_3DNOW (1u << 23)     /* CPUID 8000_0001h EDX[31] */
#define EMUL_FEAT_3DNOWEXT (1u << 24)  /* CPUID 8000_0001h EDX[30] */
#define EMUL_FEAT_MISALIGNSSE (1u << 25) /* CPUID 8000_0001h ECX[7] (AMD
				      * MXCSR.MM: misaligned SSE operands) */
#define EMUL_FEAT_PCLMUL (1u << 27)    /* CPUID 1 ECX[1]: PCLMULQDQ */
#define EMUL_FEAT_AES (1u << 28)       /* CPUID 1 ECX[25]: AES-NI */
#define EMUL_FEAT_SHA (1u << 29)       /* CPUID (7,0) EBX[29]: SHA */
/* Group 15 and group 9 register forms, the PREFETCHW group
 * (emul/exec_grp15_ext.c, exec_grp9.c, exec_prefetchw.c). */
#define EMUL_FEAT_FSGSBASE (1ull << 32) /* CPUID (7,0) EBX[0]: RDFSBASE,
					 * RDGSBASE, WRFSBASE, WRGSBASE */
#define EMUL_FEAT_RDRAND (1ull << 33)   /* CPUID 1 ECX[30]: RDRAND */
#define EMUL_FEAT_RDSEED (1ull << 34)   /* CPUID (7,0) EBX[18]: RDSEED */
#define EMUL_FEAT_RDPID (1ull << 35)    /* CPUID (7,0) ECX[22]: RDPID */
#define EMUL_FEAT_WAITPKG (1ull << 36)  /* CPUID (7,0) ECX[5]: UMONITOR,
					 * UMWAIT, TPAUSE */
#define EMUL_FEAT_PTWRITE (1ull << 37)  /* CPUID (14h,0) EBX[4]: PTWRITE */
#define EMUL_FEAT_PRFCHW (1ull << 38)   /* CPUID 8000_0001h ECX[8]
					 * (3DNowPrefetch): PREFETCH/W */
#define EMUL_FEAT_LM (1ull << 39)       /* CPUID 8000_0001h EDX[29]: long
					 * mode (AMD: PREFETCH/W valid) */

/* ------------------------------------------------------------------ */
/* Callbacks                                                          */
/* ------------------------------------------------------------------ */

/* An exception for the caller to inject. */
struct emul_event {
	uint8_t vector;         /* 0 #DE, 6 #UD, 12 #SS, 13 #GP, 14 #PF, ... */
	uint8_t has_error_code; /* 0 in real mode (no error code is pushed) */
	uint32_t error_code;
	uint64_t cr2;           /* faulting linear address when vector == 14 */
};

enum emul_mem_status {
	EMUL_MEM_OK = 0,    /* RAM: the access was done */
	EMUL_MEM_FAULT = 1, /* *fault filled (#PF with error code and cr2, ...) */
	EMUL_MEM_MMIO = 2,  /* not RAM: *gpa filled, nothing was accessed */
};

/* acc bits passed to the memory callbacks. */
#define EMUL_ACC_WRITE 0x01 /* a write (for reads: see EMUL_ACC_RMW) */
#define EMUL_ACC_FETCH 0x02 /* instruction fetch */
#define EMUL_ACC_USER 0x04  /* CPL 3 access (sets U/S in a #PF error code) */
#define EMUL_ACC_RMW 0x08   /* a read whose location will be written by the
			     * same instruction: check permissions and build
			     * the error code as for a write (SDM 4.7) */
#define EMUL_ACC_PROBE 0x10 /* write (or read: the cache-line flushes): only
			     * translate and check permissions; buf is NULL;
			     * OK or MMIO mean "would succeed" */

enum emul_io_status {
	EMUL_IO_OK = 0,   /* the callback did the access */
	EMUL_IO_EXIT = 1, /* hand the access to the caller as a request */
};

/*
 * Every memory access reaches the guest only through these. Accesses are
 * 1..8 bytes and never cross a 4 KiB boundary in linear space (the emulator
 * splits them). The callback does paging (the guest's page tables, CR0.WP,
 * U/S, NX for fetches) and the guest-physical slot lookup.
 */
struct emul_x87;
struct emul_simd;

struct emul_ops {
	/* Instruction fetch.
	 *   la [IN] linear address; buf [OUT] len bytes; len [IN] 1..15;
	 *   acc [IN] EMUL_ACC_FETCH (| EMUL_ACC_USER); gpa [OUT] on MMIO;
	 *   fault [OUT] on EMUL_MEM_FAULT.
	 * EMUL_MEM_MMIO (code in a device's memory, *gpa the address of la):
	 * the bytes are then read through EMUL_MMIO_READ requests of at most
	 * 8 naturally aligned bytes, only as many as the decoder needs
	 * (docs/emulator.md "Instruction fetch from MMIO"). */
	enum emul_mem_status (*fetch)(void *opaque, uint64_t la, void *buf,
				      unsigned len, unsigned acc, uint64_t *gpa,
				      struct emul_event *fault);
	/* Data read.
	 *   la [IN]; buf [OUT] len bytes (little endian) on EMUL_MEM_OK;
	 *   len [IN] 1..8; acc [IN] EMUL_ACC_RMW, EMUL_ACC_USER;
	 *   gpa [OUT] the guest-physical address on EMUL_MEM_MMIO;
	 *   fault [OUT] on EMUL_MEM_FAULT. */
	enum emul_mem_status (*read)(void *opaque, uint64_t la, void *buf,
				     unsigned len, unsigned acc, uint64_t *gpa,
				     struct emul_event *fault);
	/* Data write.
	 *   la [IN]; buf [IN] len bytes, NULL with EMUL_ACC_PROBE;
	 *   len [IN] 1..8; acc [IN] EMUL_ACC_WRITE | EMUL_ACC_USER |
	 *   EMUL_ACC_PROBE; gpa [OUT] on EMUL_MEM_MMIO (nothing written);
	 *   fault [OUT] on EMUL_MEM_FAULT. */
	enum emul_mem_status (*write)(void *opaque, uint64_t la, const void *buf,
				      unsigned len, unsigned acc, uint64_t *gpa,
				      struct emul_event *fault);
	/* Optional port input: port [IN], size [IN] 1/2/4, val [OUT].
	 * NULL or EMUL_IO_EXIT: the access becomes an EMUL_IO_IN request. */
	enum emul_io_status (*io_in)(void *opaque, uint16_t port, unsigned size,
				     uint32_t *val);
	/* Optional port output: port [IN], size [IN], val [IN].
	 * NULL or EMUL_IO_EXIT: the access becomes an EMUL_IO_OUT request. */
	enum emul_io_status (*io_out)(void *opaque, uint16_t port, unsigned size,
				      uint32_t val);
	/* Optional: the TSS I/O permission bitmap check, consulted only when
	 * CR0.PE = 1 and CPL > IOPL, or in virtual-8086 mode (SDM Vol. 1
	 * 19.5, Vol. 3A 20.2.8.1). port [IN], size [IN].
	 * Returns true if allowed. NULL: the emulator reads the bitmap from
	 * the TSS itself (get_sysseg and the read callback), or without
	 * get_sysseg such IO is "unsupported". */
	bool (*io_permitted)(void *opaque, uint16_t port, unsigned size);
	/* Optional: segment register 'sreg' (enum emul_sreg, 0..5) [IN] into
	 * *seg [OUT], called the first time an instruction needs a segment
	 * whose bit in emul_cpu.seg_loaded is clear. Lets a caller hand over
	 * only what decides the mode and CPL (CS, SS): in 64-bit mode most
	 * instructions need no other segment. NULL: emul_cpu.seg is complete. */
	void (*get_seg)(void *opaque, unsigned sreg, struct emul_seg *seg);
	/* Optional: LGDT (which = EMUL_DTABLE_GDT) or LIDT (EMUL_DTABLE_IDT)
	 * commits base [IN] and limit [IN], checked as the CPU checks them.
	 * NULL: LGDT and LIDT are "unsupported". */
	void (*set_dtable)(void *opaque, unsigned which, uint64_t base,
			   uint16_t limit);
	/* Optional: GDTR (which = EMUL_DTABLE_GDT) or IDTR (EMUL_DTABLE_IDT)
	 * into *base and *limit [OUT]. NULL: instructions that read the
	 * descriptor tables (segment loads in protected mode, SGDT/SIDT,
	 * event delivery) are "unsupported". */
	void (*get_dtable)(void *opaque, unsigned which, uint64_t *base,
			   uint16_t *limit);
	/* Optional: LDTR (which = EMUL_SYSSEG_LDTR) or TR (EMUL_SYSSEG_TR)
	 * into *seg [OUT]. NULL: as get_dtable. */
	void (*get_sysseg)(void *opaque, unsigned which, struct emul_seg *seg);
	/* Optional: runs *op on the vCPU's x87 FPU (struct emul_x87), once
	 * per instruction. Returns EMUL_X87_*. NULL: x87 instructions are
	 * "unsupported". */
	int (*x87)(void *opaque, struct emul_x87 *op);
	/* Optional: LLDT (which = EMUL_SYSSEG_LDTR) or LTR (EMUL_SYSSEG_TR)
	 * commits *seg [IN] (selector and hidden part, checked as the CPU
	 * checks them), as the instruction's last step. NULL: LLDT and LTR
	 * are "unsupported". */
	void (*set_sysseg)(void *opaque, unsigned which,
			   const struct emul_seg *seg);
	/* MOV to CR0, CR2, CR3 or CR4 (and CLTS, as CR0 without TS), at
	 * CPL 0, as the instruction's last step: checks value against the
	 * CPU's rules and installs it, or answers false for #GP(0) with
	 * nothing changed. NULL: those instructions are "unsupported". */
	bool (*write_cr)(void *opaque, unsigned cr, uint64_t value);
	/* Optional: runs *op on the vCPU's MMX/SSE state (struct
	 * emul_simd), once per instruction (MASKMOVQ/MASKMOVDQU, EXTRQ and
	 * INSERTQ: plain MOVQ/MOVDQU moves of their registers, one per
	 * register). Returns EMUL_SIMD_*. NULL: MMX/SSE/3DNow! instructions
	 * are "unsupported". */
	int (*simd)(void *opaque, struct emul_simd *op);
	/* Optional: invalidates every translation the guest's paging made
	 * (all PCIDs, global ones too), as the last step of an INVPCID.
	 * NULL: INVPCID is "unsupported". */
	void (*flush_tlb)(void *opaque);
	/* Optional: INVLPG at CPL 0 invalidates the translation of linear
	 * address la [IN] (a hypervisor's shadow page tables). NULL: INVLPG
	 * is "unsupported". */
	void (*invlpg)(void *opaque, uint64_t la);
	/* Optional: RDRAND (seed = false) or RDSEED (seed = true) on the
	 * vCPU's CPU: a random 64-bit *value [OUT] and true, or false when
	 * the generator had none (the instruction then clears CF and its
	 * destination). NULL: RDRAND and RDSEED are "unsupported". */
	bool (*rdrand)(void *opaque, bool seed, uint64_t *value);
};

/*
 * An x87 instruction (D8-DF), for emul_ops.x87 to run on the vCPU's own FPU:
 * the FPU's registers are the guest's, so the caller runs the instruction
 * itself with the memory operand (if any) in buf instead of guest memory.
 */
struct emul_x87 {
	uint8_t opcode;         /* [IN] 0xD8..0xDF; 0x9B (FWAIT): run
				 * nothing, answer whether #MF is pending;
				 * 0xAE (0F AE /2 LDMXCSR, /3 STMXCSR): the
				 * 4 bytes of MXCSR in buf; 0xAE /0 FXSAVE,
				 * /1 FXRSTOR: the first 'len' bytes of the
				 * 512-byte image in buf */
	uint8_t modrm;          /* [IN] as encoded */
	uint8_t waits;          /* [IN] a waiting form: with an unmasked
				 * exception pending it raises #MF instead of
				 * running (all but FNSTENV, FNSTCW, FNSAVE,
				 * FNSTSW, FNCLEX, FNINIT; SDM Vol. 1 8.6.2) */
	uint8_t env16;          /* [IN] 16-bit operand size: FLDENV, FNSTENV,
				 * FRSTOR and FNSAVE use the 14/94-byte
				 * images (SDM Vol. 1 8.1.10). In real and
				 * virtual-8086 mode buf always holds the
				 * 32-bit protected-mode image (28/108 bytes):
				 * the emulator converts the guest's layout */
	uint8_t *buf;           /* [IN] the memory operand, read from guest
				 * memory before, written back after; NULL
				 * for a register form but FNSTSW AX */
	/* [IN] what the FPU records as the last non-control instruction
	 * (SDM Vol. 1 8.1.8): the guest's, not the caller's */
	uint64_t fip, fdp;
	uint16_t fcs, fds;
	/* [IN/OUT] register forms: RFLAGS, of which FCMOVcc reads CF, ZF
	 * and PF and FCOMI/FCOMIP/FUCOMI/FUCOMIP write the arithmetic flags
	 * (CF PF AF ZF SF OF); the caller runs every register form with the
	 * guest's arithmetic flags and hands them back as the FPU left them */
	uint64_t rflags;
	/* [IN] FXSAVE/FXRSTOR: REX.W (the 64-bit image: FIP and FDP 64 bits
	 * wide, no FCS/FDS), and the bytes of the image the instruction
	 * stores or loads: 416 in 64-bit mode (XMM0-15), else 288 (XMM0-7),
	 * 160 with x87_only */
	uint8_t wide;
	uint16_t len;
	/* [IN] FXSAVE/FXRSTOR of the x87 and MMX state only (AMD with
	 * CR4.OSFXSR = 0, APM Vol. 4 FXSAVE): MXCSR and XMM0-7 are neither
	 * saved nor loaded, bytes 24-31 of buf are not the guest's and no
	 * MXCSR is checked */
	uint8_t x87_only;
};

/* The x87 register forms (mod = 3) by what running one takes (SDM Vol. 2
 * Tables with the undocumented aliases: Intel's XED lists and
 * an AMD EPYC executes the same ones; docs/emulator.md). */
enum emul_x87_reg_kind {
	EMUL_X87_REG_UD = 0,    /* #UD on Intel and AMD */
	EMUL_X87_REG_FPU,       /* FPU state only, a waiting form (the
				 * documented ones and the FSTP1, FCOM2,
				 * FCOMP3, FXCH4, FCOMP5, FFREEP, FXCH7,
				 * FSTP8, FSTP9 aliases) */
	EMUL_X87_REG_NOWAIT,    /* FPU state only, no wait: FNCLEX, FNINIT */
	EMUL_X87_REG_NOP,       /* the 8087/287 FNENI, FNDISI, FNSETPM: since
				 * the 387 no operation, no wait, no FPU
				 * state touched (FIP and FOP kept): retired
				 * without the FPU */
	EMUL_X87_REG_FCMOV,     /* FCMOVcc: reads RFLAGS */
	EMUL_X87_REG_FCOMI,     /* FCOMI, FCOMIP, FUCOMI, FUCOMIP: write it */
	EMUL_X87_REG_FNSTSW_AX, /* FNSTSW AX: writes AX (the 2 bytes in buf),
				 * no wait */
};

/* The kind of the register form opcode (0xD8..0xDF), modrm (0xC0..0xFF). */
enum emul_x87_reg_kind emul_x87_reg_kind(uint8_t opcode, uint8_t modrm);

/* emul_ops.x87's answers. */
enum {
	EMUL_X87_DONE = 0,
	EMUL_X87_PENDING = 1,   /* an unmasked exception is pending and the
				 * instruction waits: #MF (CR0.NE = 1) */
	EMUL_X87_REFUSED = 2,   /* cannot run it: "unsupported" */
	EMUL_X87_GP = 3,        /* LDMXCSR of a value with reserved bits:
				 * #GP(0), nothing loaded */
};

/*
 * An MMX, SSE or 3DNow! instruction with a memory operand (legacy
 * encoding), for emul_ops.simd to run on the vCPU's own registers with the
 * operand in buf instead of guest memory (emul/exec_simd.c); its register
 * forms; EMMS and FEMMS (0F 77, 0F 0E: no operand, kind _MMX).
 */
struct emul_simd {
	uint8_t map;            /* [IN] EMUL_MAP_0F (0F 0F: 3DNow!), 0F38 */
	uint8_t prefix;         /* [IN] the mandatory prefix: 0, 0x66, 0xF3
				 * or 0xF2 */
	uint8_t opcode;         /* [IN] within map */
	uint8_t imm;            /* [IN] imm8, or 3DNow!'s opcode suffix */
	uint8_t kind;           /* [IN] EMUL_SIMD_XMM, _MMX or _GPR: what
				 * ModRM.reg names */
	uint8_t reg;            /* [IN] ModRM.reg (with REX.R for XMM; for
				 * PSRLDQ/PSLLDQ, 66 0F 73, their opcode
				 * extension 3 or 7) */
	uint8_t query;          /* [IN] run nothing: EMUL_SIMD_PENDING if an
				 * unmasked x87 exception is pending, else
				 * EMUL_SIMD_DONE */
	uint8_t *buf;           /* [IN/OUT] the memory operand (16 bytes),
				 * read before, written back after */
	/* [IN] a register form (ModRM.mod = 3; its bytes came from MMIO):
	 * ModRM.rm (with REX.B for XMM), what it names (EMUL_SIMD_XMM or
	 * _MMX), and whether it is the destination (MOVUPS xmm2, xmm1 and
	 * the other store forms, PSRLDQ) rather than ModRM.reg. A register
	 * form with a general register for ModRM.rm comes as its memory form,
	 * the register's value in buf (exec_simd.c) */
	uint8_t regform, rm, rm_kind, rm_dest;
	/* [IN] REX.W widens the operand to 64 bits (64-bit mode only): MOVQ
	 * mm/xmm <-> r/m64 (0F 6E/7E), PINSRQ/PEXTRQ (66 0F 3A 22/16),
	 * CVTSI2SS/SD r/m64 (buf: 8 bytes), CVT(T)SS2SI/SD2SI r64 (gpr) */
	uint8_t wide;
	/* [IN] PCMPESTRM/PCMPESTRI/PCMPISTRM/PCMPISTRI (66 0F 3A 60-63):
	 * the guest's RAX and RDX, the explicit lengths (wide: REX.W, all
	 * 64 bits; else EAX, EDX). Their results: PCMPxSTRI's ECX in gpr,
	 * PCMPxSTRM's XMM0 written by the callback itself, the flags in
	 * rflags. */
	uint64_t rax, rdx;
	uint64_t gpr;           /* [OUT] kind _GPR: the register's value;
				 * PCMPxSTRI: ECX */
	uint64_t rflags;        /* [OUT] RFLAGS after it (COMISS, UCOMISS,
				 * PTEST, PCMPxSTRx) */
};

enum { EMUL_SIMD_XMM = 0, EMUL_SIMD_MMX = 1, EMUL_SIMD_GPR = 2 };

/* emul_ops.simd's answers. */
enum {
	EMUL_SIMD_DONE = 0,
	EMUL_SIMD_PENDING = 1,  /* an unmasked x87 exception is pending and
				 * the instruction touches MMX state: #MF */
	EMUL_SIMD_REFUSED = 2,  /* cannot run it: "unsupported" */
	EMUL_SIMD_XM = 3,       /* an unmasked SIMD floating-point exception:
				 * MXCSR's flags are set as the CPU sets
				 * them, nothing else changed (#XM, or #UD
				 * without CR4.OSXMMEXCPT) */
};

enum { EMUL_DTABLE_GDT = 0, EMUL_DTABLE_IDT = 1 };
enum { EMUL_SYSSEG_LDTR = 0, EMUL_SYSSEG_TR = 1 };

/* ------------------------------------------------------------------ */
/* Execution                                                          */
/* ------------------------------------------------------------------ */

enum emul_status {
	EMUL_DONE = 0,        /* state committed (see res->retired) */
	EMUL_EXCEPTION = 1,   /* inject res->event; this instruction changed
			       * nothing (REP: completed iterations remain) */
	EMUL_MMIO_READ = 2,   /* read res->len bytes at res->gpa, then
			       * emul_complete_read() and emul_execute() */
	EMUL_MMIO_WRITE = 3,  /* write res->data (res->len bytes) at res->gpa */
	EMUL_IO_IN = 4,       /* read res->size bytes from res->port, then
			       * emul_complete_read() and emul_execute() */
	EMUL_IO_OUT = 5,      /* write res->data (res->size) to res->port */
	EMUL_UNSUPPORTED = 6, /* res->reason; guest state unchanged */
	EMUL_SHUTDOWN = 7,    /* emul_deliver_event(): a fault while
			       * delivering #DF, the CPU shuts down (triple
			       * fault); guest state unchanged */
};

/* Why emul_execute() refused (res->reason). */
enum emul_reason {
	EMUL_R_NONE = 0,
	EMUL_R_OPCODE,      /* valid instruction that is not emulated */
	EMUL_R_VEX,         /* VEX/EVEX/XOP encoded (SIMD) */
	EMUL_R_FETCH_MMIO,  /* no longer returned: code in MMIO is fetched
			     * through EMUL_MMIO_READ requests */
	EMUL_R_MODE,        /* not modelled: IRET into virtual-8086
			     * mode to an EIP above 0xFFFF or the CS
			     * limit, x87 environments in real and VM86
			     * mode, a VM86 state at CPL != 3 */
	EMUL_R_IO_PERM,     /* IO with CPL > IOPL and no io_permitted() */
	EMUL_R_PROTOCOL,    /* caller broke the completion protocol */
	EMUL_R_TASK_GATE,   /* an event reached a task gate: res.task_gate */
	EMUL_R_TASK_SWITCH, /* a far JMP or CALL to a TSS or task gate, an
			     * IRET with NT = 1: res.task_gate (source) */
	EMUL_R_EVENT,       /* an event not delivered (no
			     * get_dtable/get_sysseg) */
};

/* An event that reached a task gate (EMUL_R_TASK_GATE): the hardware
 * task switch is the caller's, the gate read and checked (type, DPL for
 * software interrupts, present) as the delivery does. */
enum { EMUL_TASK_EVENT = 0, EMUL_TASK_CALL = 1, EMUL_TASK_JMP = 2, EMUL_TASK_IRET = 3 };
struct emul_task_gate {
	uint16_t tss_sel;       /* the gate's TSS selector */
	/* EMUL_TASK_*: an event (EMUL_R_TASK_GATE), or a far CALL or JMP
	 * (EMUL_R_TASK_SWITCH: its privilege checks passed, SDM Vol. 2
	 * CALL and JMP "TASK-GATE" and "TASK-STATE-SEGMENT"), or an IRET
	 * with NT = 1 (tss_sel: the current TSS's back link); insn_len is
	 * the instruction's length; the TSS descriptor's own checks are the
	 * task switch's */
	uint8_t source;
	uint8_t vector;
	uint8_t kind;           /* enum emul_event_kind */
	uint8_t insn_len;       /* software kinds: the instruction's length */
	uint8_t has_error_code;
	uint32_t error_code;
};

struct emul_result {
	uint8_t status;  /* enum emul_status */
	uint8_t retired; /* RIP moved past the instruction: the next
			  * emul_execute() starts a new instruction */
	uint8_t reason;  /* enum emul_reason for EMUL_UNSUPPORTED */
	uint8_t len;     /* MMIO: access size 1..8 */
	uint8_t size;    /* IO: 1, 2, 4 */
	uint16_t port;   /* IO port */
	uint64_t gpa;    /* MMIO guest-physical address */
	uint8_t data[8]; /* MMIO write / IO out data, little endian */
	uint8_t tf_trap; /* RFLAGS.TF was set: a single-step #DB is due
			  * after this instruction retires (not injected) */
	uint8_t shadow;  /* EMUL_SHADOW_*: the retired instruction blocks
			  * interrupts until the next one is done (STI
			  * that set IF, MOV SS / POP SS; SDM Vol. 3 6.8.3) */
	uint8_t halted;  /* HLT retired: the vCPU waits for an interrupt */
	struct emul_event event; /* EMUL_EXCEPTION */
	struct emul_task_gate task_gate; /* EMUL_R_TASK_GATE */
};

enum { EMUL_SHADOW_NONE = 0, EMUL_SHADOW_STI = 1, EMUL_SHADOW_MOV_SS = 2 };

/* Private: one read of the current instruction (or REP iteration). */
struct emul_read_slot {
	uint64_t addr; /* gpa (MMIO) or port (IO) */
	uint8_t kind;  /* 0 RAM, 1 MMIO, 2 IO */
	uint8_t len;
	uint8_t done;
	uint8_t data[8];
};

#define EMUL_MAX_READS 64 /* ENTER: 30 frame pointers, 2 of them split;
			   * FXRSTOR: 416 bytes in 52 reads */

/*
 * Per-vCPU emulator context. Its fields are private; allocate it with the
 * vCPU and call emul_init() once.
 */
struct emul_ctx {
	const struct emul_ops *ops;
	void *opaque;
	uint32_t rep_limit;    /* max REP iterations per call (0: 4096) */
	uint8_t busy;          /* an instruction is in progress */
	uint8_t nreads;        /* logged reads of this iteration */
	uint8_t writes_done;   /* writes of this iteration already issued */
	struct emul_insn insn; /* decoded once per instruction */
	struct emul_read_slot reads[EMUL_MAX_READS];
	/* The bytes insn was decoded from (insn_bytes_len 0: none). Decoding
	 * is a function of the bytes and the mode alone, so the same bytes
	 * at the next RIP (a driver's polling loop) are not decoded again.
	 * Bytes from MMIO are never kept so (insn_bytes_len stays 0): while
	 * such a fetch is in progress insn_bytes holds them (fetching). */
	uint8_t insn_bytes_len;
	uint8_t insn_bytes[16];        /* EMUL_MAX_INSN_LEN, rounded up */
	void (*handler)(void);         /* insn's handler (private type), with
					* insn; NULL: not emulated */
	/* An x87 instruction runs on the FPU once, although its handler is
	 * replayed for each MMIO write: what it produced waits here. */
	uint8_t x87_done;
	uint8_t x87_buf[512] __attribute__((aligned(16))); /* the largest operand:
						 * an FXSAVE image */
	/* An instruction fetch from MMIO in progress (busy is set too):
	 * insn_bytes[0..fetch_len) are the bytes fetched so far, reads[0]
	 * the chunk requested from the device. */
	uint8_t fetching;
	uint8_t fetch_len;
};

void emul_init(struct emul_ctx *ctx, const struct emul_ops *ops,
	       void *opaque);

/*
 * Run one instruction at cpu->rip.
 *   ctx [IN/OUT] per-vCPU context; cpu [IN/OUT] guest state; res [OUT].
 * Returns res->status.
 *
 * Protocol (docs/emulator.md has the full story):
 *  - EMUL_DONE: registers, flags, memory and RIP are committed. res->retired
 *    says RIP moved past the instruction; a REP string instruction stopped by
 *    ctx->rep_limit leaves RIP on itself with RCX/RSI/RDI consistent, and
 *    both resuming the guest and calling again are correct.
 *  - EMUL_MMIO_READ / EMUL_IO_IN: nothing is committed. The caller obtains
 *    the data (e.g. after a KVM_EXIT_MMIO round trip), calls
 *    emul_complete_read() and emul_execute() again with the same ctx and
 *    cpu. The instruction is not decoded again and the device is not read
 *    again: a read-modify-write gives exactly one read request, then one
 *    write request. Code in MMIO first gives read requests for its bytes
 *    (naturally aligned chunks of 1-8 bytes, as many as decoding needs).
 *  - EMUL_MMIO_WRITE / EMUL_IO_OUT: the caller performs the access; from the
 *    emulator's side it is done. If res->retired the instruction is finished
 *    (state committed). Otherwise (a REP string instruction with iterations
 *    left, or a write split across pages) the state is committed up to this
 *    access and the caller calls emul_execute() again to continue.
 *  - EMUL_EXCEPTION: inject res->event. EMUL_UNSUPPORTED: state unchanged.
 * cpu must not be changed by the caller between a request and the call that
 * continues it. emul_abort() forgets an instruction in progress.
 */
enum emul_status emul_execute(struct emul_ctx *ctx, struct emul_cpu *cpu,
			      struct emul_result *res);

/*
 * Supply the data of the pending EMUL_MMIO_READ or EMUL_IO_IN.
 *   data [IN] len bytes, little endian; len [IN] must equal res->len (MMIO)
 *   or res->size (IO).
 * Returns 0, or -1 if nothing is pending or len differs.
 */
int emul_complete_read(struct emul_ctx *ctx, const void *data, unsigned len);

/* Forget an instruction in progress (guest reset, injected event). */
void emul_abort(struct emul_ctx *ctx);

/* Is an instruction in progress (a request outstanding)? */
bool emul_busy(const struct emul_ctx *ctx);

/* A static string naming an emul_reason. */
const char *emul_reason_str(unsigned reason);

/* ------------------------------------------------------------------ */
/* Event delivery                                                     */
/* ------------------------------------------------------------------ */

/*
 * How the event came about, numbered as the VMX interruption types (SDM
 * Vol. 3 25.8.3, 27.2.4). It decides the return address (past the
 * instruction for the software kinds), the gate DPL check (INT n, INT3,
 * INTO only) and the EXT bit of the error codes of faults raised while
 * delivering (clear for INT n, INT3, INTO only: SDM Vol. 3 6.13).
 */
enum emul_event_kind {
	EMUL_EV_EXTINT = 0,  /* external interrupt */
	EMUL_EV_NMI = 2,     /* NMI (vector 2); blocking NMIs after it
			      * is the caller's */
	EMUL_EV_HWEXC = 3,   /* hardware exception */
	EMUL_EV_SOFTINT = 4, /* INT n */
	EMUL_EV_ICEBP = 5,   /* INT1 (F1): privileged software exception */
	EMUL_EV_SOFTEXC = 6, /* INT3, INTO */
};

/* One event to deliver through the IDT (or real-mode IVT). */
struct emul_deliver {
	uint8_t vector;
	uint8_t kind;           /* enum emul_event_kind */
	uint8_t has_error_code; /* pushed (hardware exceptions 8, 10-14,
				 * 17, 21); ignored in real mode */
	uint8_t insn_len;       /* software kinds: the instruction's length */
	uint32_t error_code;
};

/*
 * Deliver *ev as the CPU does (SDM Vol. 3 6.12, 6.14, 20.1.4; the INT n
 * pseudo-code of Vol. 2): read the gate, the handler's code segment, the
 * TSS stack for a privilege change, push the frame, load CS:RIP (and SS),
 * update RFLAGS and the CPL. For a caller that saw the CPU's own delivery
 * touch MMIO (an exit with the event in its IDT-vectoring information).
 *   ctx, cpu, res as for emul_execute(); ev [IN] the event.
 * Returns:
 *  - EMUL_DONE: delivered; cpu holds the handler's state (seg_written has
 *    CS, and SS on a stack switch, the data segments from virtual-8086
 *    mode; cpl is the new CPL).
 *  - EMUL_MMIO_READ / EMUL_MMIO_WRITE: the same protocol as
 *    emul_execute(), with emul_deliver_event() called again with the same
 *    ev; res->retired means the delivery is complete.
 *  - EMUL_EXCEPTION: the delivery faulted; res->event is the exception to
 *    deliver instead, already combined with *ev by SDM Vol. 3 Table 6-5
 *    (a #DF when both are contributory, or a page fault then a
 *    contributory fault or page fault). Nothing committed.
 *  - EMUL_SHUTDOWN: a fault while delivering a #DF (triple fault).
 *  - EMUL_UNSUPPORTED: a task gate (res.task_gate; the hardware task switch is the
 *    caller's) or no get_dtable/get_sysseg callback; nothing
 *    changed.
 */
enum emul_status emul_deliver_event(struct emul_ctx *ctx, struct emul_cpu *cpu,
				    const struct emul_deliver *ev,
				    struct emul_result *res);

#endif /* EMUL_EMUL_H */
