/* Constants shared by boot/entry.S and the C code that takes over from it. */
#ifndef BOOT_LAYOUT_H
#define BOOT_LAYOUT_H

#define BOOT_IDMAP_GB   4           /* identity map built before long mode */
#define BOOT_STACK_SIZE (16 * 1024)
#define BOOT_CS64       0x08
#define BOOT_DS64       0x10

#endif
