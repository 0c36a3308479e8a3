/*
 * A small printf for the test guests: %c %s %d %u %x %%, an optional '0'
 * flag and field width, and the length modifiers l, ll and z. Decimal
 * conversion subtracts powers of ten, so 64-bit values need no libgcc
 * division helpers in the 32-bit guests.
 */
#include "guest.h"

static void put_padded(const char *digits, int len, int width, char pad)
{
	for (; width > len; width--)
		con_putc(pad);
	while (len--)
		con_putc(*digits++);
}

static void put_unsigned(uint64_t v, bool hex, int width, char pad)
{
	static const uint64_t pow10[] = {
		10000000000000000000ull, 1000000000000000000ull,
		100000000000000000ull, 10000000000000000ull,
		1000000000000000ull, 100000000000000ull, 10000000000000ull,
		1000000000000ull, 100000000000ull, 10000000000ull,
		1000000000ull, 100000000ull, 10000000ull, 1000000ull,
		100000ull, 10000ull, 1000ull, 100ull, 10ull, 1ull,
	};
	char buf[20];
	int len = 0;

	if (hex) {
		int shift = 60;

		while (shift > 0 && !((v >> shift) & 0xf))
			shift -= 4;
		for (; shift >= 0; shift -= 4)
			buf[len++] = "0123456789abcdef"[(v >> shift) & 0xf];
	} else {
		for (size_t i = 0; i < sizeof(pow10) / sizeof(pow10[0]); i++) {
			char d = '0';

			while (v >= pow10[i]) {
				v -= pow10[i];
				d++;
			}
			if (d != '0' || len || pow10[i] == 1)
				buf[len++] = d;
		}
	}
	put_padded(buf, len, width, pad);
}

void con_vprintf(const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			con_putc(*fmt);
			continue;
		}
		char pad = ' ';
		int width = 0;
		int longs = 0;

		fmt++;
		if (*fmt == '0') {
			pad = '0';
			fmt++;
		}
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			width = width * 10 + (*fmt - '0');
		for (; *fmt == 'l' || *fmt == 'z'; fmt++)
			longs += *fmt == 'z' ? (sizeof(size_t) == 8 ? 2 : 1) : 1;

		uint64_t u;
		switch (*fmt) {
		case 'c':
			con_putc((char)va_arg(ap, int));
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);

			put_padded(s, (int)strlen(s), width, ' ');
			break;
		}
		case 'd': {
			int64_t d = longs >= 2 ? va_arg(ap, long long)
				  : longs == 1 ? va_arg(ap, long)
				  : va_arg(ap, int);

			u = (uint64_t)d;
			if (d < 0) {
				con_putc('-');
				u = 0 - u;
				if (width)
					width--;
			}
			put_unsigned(u, false, width, pad);
			break;
		}
		case 'u':
		case 'x':
			u = longs >= 2 ? va_arg(ap, unsigned long long)
			  : longs == 1 ? va_arg(ap, unsigned long)
			  : va_arg(ap, unsigned int);
			put_unsigned(u, *fmt == 'x', width, pad);
			break;
		case '%':
			con_putc('%');
			break;
		default:        /* unknown conversion: show it, do not guess */
			con_putc('%');
			con_putc(*fmt ? *fmt : '?');
			if (!*fmt)
				return;
		}
	}
}

void con_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	con_vprintf(fmt, ap);
	va_end(ap);
}
