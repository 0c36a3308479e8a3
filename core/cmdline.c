/* Boot command line parsing (see core/cmdline.h). */
#include "core/cmdline.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Does the word starting at w name 'key' (followed by '=', space or end)? */
static const char *match_key(const char *w, const char *key)
{
	while (*key && *w == *key)
		w++, key++;
	if (*key)
		return 0;
	if (*w == '=' || *w == 0 || is_space(*w))
		return w;
	return 0;
}

bool cmdline_get(const char *cmdline, const char *key, char *buf, size_t size)
{
	bool found = false;
	const char *p = cmdline;

	if (!p || !key || !*key)
		return false;
	while (*p) {
		while (is_space(*p))
			p++;
		if (!*p)
			break;
		const char *rest = match_key(p, key);
		if (rest) {
			size_t n = 0;
			found = true;
			if (*rest == '=')
				rest++;
			else
				rest = "";
			while (rest[n] && !is_space(rest[n]) && size && n + 1 < size) {
				buf[n] = rest[n];
				n++;
			}
			if (size)
				buf[n] = 0;
		}
		while (*p && !is_space(*p))
			p++;
	}
	return found;
}
