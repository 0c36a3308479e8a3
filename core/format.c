/*
 * printf-style formatting without libc (see core/format.h). Used by the
 * console logger in the hypervisor and tested on the host against the C
 * library's printf.
 */
#include "core/format.h"
#include <stdbool.h>
#include <stdint.h>

struct fmt_spec {
	bool left, zero, plus, space, alt;
	int width;
	int precision;          /* -1: none */
	int length;             /* 0 int, 1 long, 2 long long, -1 short, -2 char */
};

struct fmt_out {
	fmt_putc_fn putc;
	void *ctx;
	size_t count;
};

static void out_char(struct fmt_out *o, char c)
{
	o->putc(o->ctx, c);
	o->count++;
}

static void out_repeat(struct fmt_out *o, char c, int n)
{
	while (n-- > 0)
		out_char(o, c);
}

static void out_string(struct fmt_out *o, const char *s, const struct fmt_spec *sp)
{
	int len = 0;

	if (!s)
		s = "(null)";
	/* precision first: with one, the array need not be NUL-terminated */
	while ((sp->precision < 0 || len < sp->precision) && s[len])
		len++;
	if (!sp->left)
		out_repeat(o, ' ', sp->width - len);
	for (int i = 0; i < len; i++)
		out_char(o, s[i]);
	if (sp->left)
		out_repeat(o, ' ', sp->width - len);
}

/* Formats one integer: sign/prefix, precision zeros, width padding. */
static void out_number(struct fmt_out *o, uint64_t mag, bool negative,
		       unsigned base, bool upper, const char *prefix,
		       const struct fmt_spec *sp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[24];
	int n = 0;

	while (mag) {
		buf[n++] = digits[mag % base];
		mag /= base;
	}
	if (n == 0 && sp->precision != 0)
		buf[n++] = '0';

	char sign = negative ? '-' : sp->plus ? '+' : sp->space ? ' ' : 0;
	int prefix_len = 0;
	while (prefix && prefix[prefix_len])
		prefix_len++;
	int zeros = sp->precision > n ? sp->precision - n : 0;
	int body = n + zeros + prefix_len + (sign ? 1 : 0);
	int pad = sp->width > body ? sp->width - body : 0;

	if (sp->zero && !sp->left && sp->precision < 0) {
		zeros += pad;
		pad = 0;
	}
	if (!sp->left)
		out_repeat(o, ' ', pad);
	if (sign)
		out_char(o, sign);
	for (int i = 0; i < prefix_len; i++)
		out_char(o, prefix[i]);
	out_repeat(o, '0', zeros);
	while (n)
		out_char(o, buf[--n]);
	if (sp->left)
		out_repeat(o, ' ', pad);
}

static const char *parse_spec(const char *f, struct fmt_spec *sp, va_list *ap)
{
	*sp = (struct fmt_spec){ .precision = -1 };
	for (;; f++) {
		if (*f == '-') sp->left = true;
		else if (*f == '0') sp->zero = true;
		else if (*f == '+') sp->plus = true;
		else if (*f == ' ') sp->space = true;
		else if (*f == '#') sp->alt = true;
		else break;
	}
	if (*f == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->left = true;
			sp->width = -sp->width;
		}
		f++;
	} else {
		while (*f >= '0' && *f <= '9')
			sp->width = sp->width * 10 + (*f++ - '0');
	}
	if (*f == '.') {
		f++;
		sp->precision = 0;
		if (*f == '*') {
			sp->precision = va_arg(*ap, int);
			f++;
		} else {
			while (*f >= '0' && *f <= '9')
				sp->precision = sp->precision * 10 + (*f++ - '0');
		}
	}
	for (;; f++) {
		if (*f == 'l') sp->length++;
		else if (*f == 'h') sp->length--;
		else if (*f == 'z' || *f == 't' || *f == 'j') sp->length = 1;
		else break;
	}
	return f;
}

static int64_t signed_arg(const struct fmt_spec *sp, va_list *ap)
{
	if (sp->length >= 2) return va_arg(*ap, long long);
	if (sp->length == 1) return va_arg(*ap, long);
	int v = va_arg(*ap, int);
	if (sp->length == -1) return (short)v;
	if (sp->length <= -2) return (signed char)v;
	return v;
}

static uint64_t unsigned_arg(const struct fmt_spec *sp, va_list *ap)
{
	if (sp->length >= 2) return va_arg(*ap, unsigned long long);
	if (sp->length == 1) return va_arg(*ap, unsigned long);
	unsigned v = va_arg(*ap, unsigned);
	if (sp->length == -1) return (unsigned short)v;
	if (sp->length <= -2) return (unsigned char)v;
	return v;
}

static void out_conversion(struct fmt_out *o, char conv, struct fmt_spec *sp,
			   va_list *ap)
{
	switch (conv) {
	case 'd': case 'i': {
		int64_t v = signed_arg(sp, ap);
		uint64_t mag = v < 0 ? -(uint64_t)v : (uint64_t)v;
		out_number(o, mag, v < 0, 10, false, 0, sp);
		break;
	}
	case 'u':
		sp->plus = sp->space = false;  /* signed conversions only */
		out_number(o, unsigned_arg(sp, ap), false, 10, false, 0, sp);
		break;
	case 'x': case 'X': {
		uint64_t v = unsigned_arg(sp, ap);
		sp->plus = sp->space = false;
		const char *pfx = sp->alt && v ? (conv == 'x' ? "0x" : "0X") : 0;
		out_number(o, v, false, 16, conv == 'X', pfx, sp);
		break;
	}
	case 'o': {
		uint64_t v = unsigned_arg(sp, ap);
		int ndigits = 0;

		for (uint64_t x = v; x; x >>= 3)
			ndigits++;
		sp->plus = sp->space = false;
		/* '#' makes the first digit a zero only if none would be there
		 * yet (C11 7.21.6.1p6): not when the precision already pads */
		bool zero_first = v ? sp->precision <= ndigits : sp->precision == 0;
		out_number(o, v, false, 8, false, sp->alt && zero_first ? "0" : 0, sp);
		break;
	}
	case 'p':
		sp->plus = sp->space = false;
		out_number(o, (uintptr_t)va_arg(*ap, void *), false, 16, false, "0x", sp);
		break;
	case 's':
		out_string(o, va_arg(*ap, const char *), sp);
		break;
	case 'c': {
		char c[2] = { (char)va_arg(*ap, int), 0 };
		sp->precision = 1;
		if (c[0] == 0) {        /* a NUL character still counts as output */
			if (!sp->left) out_repeat(o, ' ', sp->width - 1);
			out_char(o, 0);
			if (sp->left) out_repeat(o, ' ', sp->width - 1);
		} else {
			out_string(o, c, sp);
		}
		break;
	}
	case '%':
		out_char(o, '%');
		break;
	default:                        /* unknown: show it, consume nothing */
		out_char(o, '%');
		if (conv)
			out_char(o, conv);
		break;
	}
}

size_t fmt_vformat(fmt_putc_fn putc, void *ctx, const char *fmt, va_list ap)
{
	struct fmt_out o = { putc, ctx, 0 };
	struct fmt_spec sp;
	va_list args;

	va_copy(args, ap);
	while (*fmt) {
		if (*fmt != '%') {
			out_char(&o, *fmt++);
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp, &args);
		out_conversion(&o, *fmt, &sp, &args);
		if (*fmt)
			fmt++;
	}
	va_end(args);
	return o.count;
}

struct buf_ctx {
	char *buf;
	size_t size, pos;
};

static void buf_putc(void *ctx, char c)
{
	struct buf_ctx *b = ctx;

	if (b->pos + 1 < b->size)
		b->buf[b->pos] = c;
	b->pos++;
}

size_t fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct buf_ctx b = { buf, size, 0 };
	size_t n = fmt_vformat(buf_putc, &b, fmt, ap);

	if (size)
		buf[b.pos < size ? b.pos : size - 1] = 0;
	return n;
}

size_t fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
