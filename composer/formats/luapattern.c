/* Lua 5.4's pattern functions (string.find, match, gmatch, gsub) with their work drawn
 * from the sandbox's step budget (luabox.h). The semantics are Lua's own, as the
 * reference manual (section 6.4.1) defines them: single-character classes (., %a %c %d
 * %g %l %p %s %u %w %x, the old %z, their upper-case complements, %x for a
 * non-alphanumeric x, [set] and [^set] with ranges), the quantifiers * + - ?, anchors ^
 * and $, captures with () and position captures, back-references %1-%9, %bxy and the
 * frontier %f[set]. Lua's own C matcher may backtrack for longer than anyone waits
 * without a hook firing; here every step is counted. tests/t_nedcfg.sh compares results
 * and errors with lua5.4. */
#include "formats/luapattern.h"

#include <lauxlib.h>

#include <ctype.h>
#include <string.h>

/* The sandbox's step counter; every box counts with the same function. */
static luapattern_charge_fn charge;

#define MAXCAPTURES 32
#define CAP_OPEN (-1)
#define CAP_POSITION (-2)
#define MAXDEPTH 200
#define ESC '%'
#define SPECIALS "^$*+?.([%-"
/* Steps are charged in batches so counting costs little. */
#define CHARGE_EVERY 4096

struct pm {
	lua_State *L;
	const char *src, *src_end, *pat_end;
	int depth;     /* recursion left */
	int level;     /* captures so far */
	unsigned steps;
	struct {
		const char *init;
		ptrdiff_t len;
	} cap[MAXCAPTURES];
};

static void step(struct pm *m)
{
	if (++m->steps >= CHARGE_EVERY) {
		charge(m->L, m->steps);
		m->steps = 0;
	}
}

static void flush(struct pm *m)
{
	if (m->steps)
		charge(m->L, m->steps);
	m->steps = 0;
}

static const char *match(struct pm *m, const char *s, const char *p);

/* The end of the single-character class at P. */
static const char *class_end(struct pm *m, const char *p)
{
	char c = *p++;
	if (c == ESC) {
		if (p == m->pat_end)
			luaL_error(m->L, "malformed pattern (ends with '%%')");
		return p + 1;
	}
	if (c == '[') {
		if (*p == '^')
			p++;
		do {
			if (p == m->pat_end)
				luaL_error(m->L, "malformed pattern (missing ']')");
			c = *p++;
			if (c == ESC && p < m->pat_end)
				p++;
		} while (*p != ']');
		return p + 1;
	}
	return p;
}

static int class_has(int c, int cl)
{
	int r;
	switch (tolower(cl)) {
	case 'a': r = isalpha(c); break;
	case 'c': r = iscntrl(c); break;
	case 'd': r = isdigit(c); break;
	case 'g': r = isgraph(c); break;
	case 'l': r = islower(c); break;
	case 'p': r = ispunct(c); break;
	case 's': r = isspace(c); break;
	case 'u': r = isupper(c); break;
	case 'w': r = isalnum(c); break;
	case 'x': r = isxdigit(c); break;
	case 'z': r = c == 0; break;   /* deprecated in the manual, still in Lua 5.4 */
	default: return cl == c;
	}
	r = r != 0;
	return isupper(cl) ? !r : r;
}

/* [set] from P ('[') to END (']'). */
static int set_has(int c, const char *p, const char *end)
{
	int yes = 1;
	if (p[1] == '^') {
		yes = 0;
		p++;
	}
	while (++p < end) {
		if (*p == ESC) {
			p++;
			if (class_has(c, (unsigned char)*p))
				return yes;
		} else if (p[1] == '-' && p + 2 < end) {
			p += 2;
			if ((unsigned char)p[-2] <= c && c <= (unsigned char)*p)
				return yes;
		} else if ((unsigned char)*p == c) {
			return yes;
		}
	}
	return !yes;
}

static int single(struct pm *m, const char *s, const char *p, const char *ep)
{
	if (s >= m->src_end)
		return 0;
	int c = (unsigned char)*s;
	switch (*p) {
	case '.': return 1;
	case ESC: return class_has(c, (unsigned char)p[1]);
	case '[': return set_has(c, p, ep - 1);
	default: return (unsigned char)*p == c;
	}
}

static const char *balance(struct pm *m, const char *s, const char *p)
{
	if (p >= m->pat_end - 1)
		luaL_error(m->L, "malformed pattern (missing arguments to '%%b')");
	if (s >= m->src_end || *s != *p)
		return NULL;
	char open = p[0], close = p[1];
	int depth = 1;
	while (++s < m->src_end) {
		step(m);
		if (*s == close) {
			if (--depth == 0)
				return s + 1;
		} else if (*s == open) {
			depth++;
		}
	}
	return NULL;
}

static const char *max_expand(struct pm *m, const char *s, const char *p, const char *ep)
{
	ptrdiff_t i = 0;
	while (single(m, s + i, p, ep)) {
		step(m);
		i++;
	}
	for (; i >= 0; i--) {
		const char *r = match(m, s + i, ep + 1);
		if (r)
			return r;
	}
	return NULL;
}

static const char *min_expand(struct pm *m, const char *s, const char *p, const char *ep)
{
	for (;;) {
		const char *r = match(m, s, ep + 1);
		if (r)
			return r;
		if (!single(m, s, p, ep))
			return NULL;
		step(m);
		s++;
	}
}

static const char *start_capture(struct pm *m, const char *s, const char *p, ptrdiff_t what)
{
	if (m->level >= MAXCAPTURES)
		luaL_error(m->L, "too many captures");
	m->cap[m->level].init = s;
	m->cap[m->level].len = what;
	m->level++;
	const char *r = match(m, s, p);
	if (!r)
		m->level--;
	return r;
}

static const char *end_capture(struct pm *m, const char *s, const char *p)
{
	int l = -1;
	for (int k = m->level - 1; k >= 0; k--)
		if (m->cap[k].len == CAP_OPEN) {
			l = k;
			break;
		}
	if (l < 0)
		luaL_error(m->L, "invalid pattern capture");
	m->cap[l].len = s - m->cap[l].init;
	const char *r = match(m, s, p);
	if (!r)
		m->cap[l].len = CAP_OPEN;
	return r;
}

static int capture_index(struct pm *m, int c)
{
	int l = c - '1';
	if (l < 0 || l >= m->level || m->cap[l].len == CAP_OPEN)
		return luaL_error(m->L, "invalid capture index %%%d", l + 1);
	return l;
}

static const char *back_reference(struct pm *m, const char *s, int c)
{
	int l = capture_index(m, c);
	size_t len = (size_t)m->cap[l].len;
	if ((size_t)(m->src_end - s) >= len && !memcmp(m->cap[l].init, s, len))
		return s + len;
	return NULL;
}

static const char *match(struct pm *m, const char *s, const char *p)
{
	if (m->depth-- == 0)
		luaL_error(m->L, "pattern too complex");
	step(m);
	for (;;) {
		if (p == m->pat_end)
			break;
		const char *ep;
		switch (*p) {
		case '(':
			s = p[1] == ')' ? start_capture(m, s, p + 2, CAP_POSITION)
					: start_capture(m, s, p + 1, CAP_OPEN);
			goto done;
		case ')':
			s = end_capture(m, s, p + 1);
			goto done;
		case '$':
			if (p + 1 != m->pat_end)
				goto plain;
			s = s == m->src_end ? s : NULL;
			goto done;
		case ESC:
			switch (p[1]) {
			case 'b':
				s = balance(m, s, p + 2);
				if (!s)
					goto done;
				p += 4;
				continue;
			case 'f': {
				p += 2;
				if (*p != '[')
					luaL_error(m->L, "missing '[' after '%%f' in pattern");
				ep = class_end(m, p);
				int prev = s == m->src ? 0 : (unsigned char)s[-1];
				/* At the end, the current character is the string's terminating NUL. */
				int cur = s < m->src_end ? (unsigned char)*s : 0;
				if (!set_has(prev, p, ep - 1) && set_has(cur, p, ep - 1)) {
					p = ep;
					continue;
				}
				s = NULL;
				goto done;
			}
			case '0': case '1': case '2': case '3': case '4':
			case '5': case '6': case '7': case '8': case '9':
				s = back_reference(m, s, (unsigned char)p[1]);
				if (!s)
					goto done;
				p += 2;
				continue;
			default:
				goto plain;
			}
		default:
		plain:
			ep = class_end(m, p);
			/* ep may be pat_end: the pattern's terminating NUL is no quantifier. */
			if (!single(m, s, p, ep)) {
				if (ep < m->pat_end && (*ep == '*' || *ep == '?' || *ep == '-')) {
					p = ep + 1;
					continue;
				}
				s = NULL;
				goto done;
			}
			switch (ep < m->pat_end ? *ep : 0) {
			case '?': {
				const char *r = match(m, s + 1, ep + 1);
				if (r) {
					s = r;
					goto done;
				}
				p = ep + 1;
				continue;
			}
			case '+':
				s = max_expand(m, s + 1, p, ep);
				goto done;
			case '*':
				s = max_expand(m, s, p, ep);
				goto done;
			case '-':
				s = min_expand(m, s, p, ep);
				goto done;
			default:
				s++;
				p = ep;
				continue;
			}
		}
	}
done:
	m->depth++;
	return s;
}

static void prepare(struct pm *m, lua_State *L, const char *s, size_t ls, const char *p,
		    size_t lp)
{
	m->L = L;
	m->src = s;
	m->src_end = s + ls;
	m->pat_end = p + lp;
	m->steps = 0;
}

static void restart(struct pm *m)
{
	m->level = 0;
	m->depth = MAXDEPTH;
}

static size_t push_capture(struct pm *m, int i, const char *s, const char *e)
{
	if (i >= m->level) {
		if (i != 0)
			luaL_error(m->L, "invalid capture index %%%d", i + 1);
		lua_pushlstring(m->L, s, (size_t)(e - s));
		return 1;
	}
	ptrdiff_t l = m->cap[i].len;
	if (l == CAP_OPEN)
		luaL_error(m->L, "unfinished capture");
	if (l == CAP_POSITION)
		lua_pushinteger(m->L, (m->cap[i].init - m->src) + 1);
	else
		lua_pushlstring(m->L, m->cap[i].init, (size_t)l);
	return 1;
}

static int push_captures(struct pm *m, const char *s, const char *e)
{
	int n = m->level == 0 && s ? 1 : m->level;
	luaL_checkstack(m->L, n, "too many captures");
	for (int i = 0; i < n; i++)
		push_capture(m, i, s, e);
	return n;
}

/* Lua's position rule for an init argument: negative counts from the end. */
static size_t init_pos(lua_Integer pos, size_t len)
{
	if (pos > 0)
		return (size_t)pos;
	if (pos == 0)
		return 1;
	if (pos < -(lua_Integer)len)
		return 1;
	return len + (size_t)pos + 1;
}

static int no_specials(const char *p, size_t l)
{
	for (size_t i = 0; i < l; i++)
		if (p[i] && strchr(SPECIALS, p[i]))
			return 0;
	return 1;
}

static int find_aux(lua_State *L, int find)
{
	size_t ls, lp;
	const char *s = luaL_checklstring(L, 1, &ls);
	const char *p = luaL_checklstring(L, 2, &lp);
	size_t init = init_pos(luaL_optinteger(L, 3, 1), ls);
	if (init > ls + 1) {
		luaL_pushfail(L);
		return 1;
	}
	if (find && (lua_toboolean(L, 4) || no_specials(p, lp))) {
		/* memmem is linear in the worst case. */
		charge(L, (ls - init + 1) / 64 + 1);
		const char *hit = memmem(s + init - 1, ls - init + 1, p, lp);
		if (hit) {
			lua_pushinteger(L, (hit - s) + 1);
			lua_pushinteger(L, (lua_Integer)((size_t)(hit - s) + lp));
			return 2;
		}
		luaL_pushfail(L);
		return 1;
	}
	struct pm m;
	const char *s1 = s + init - 1;
	int anchor = *p == '^';
	if (anchor) {
		p++;
		lp--;
	}
	prepare(&m, L, s, ls, p, lp);
	do {
		restart(&m);
		const char *e = match(&m, s1, p);
		if (e) {
			flush(&m);
			if (find) {
				lua_pushinteger(L, (s1 - s) + 1);
				lua_pushinteger(L, e - s);
				return push_captures(&m, NULL, NULL) + 2;
			}
			return push_captures(&m, s1, e);
		}
	} while (s1++ < m.src_end && !anchor);
	flush(&m);
	luaL_pushfail(L);
	return 1;
}

static int pat_find(lua_State *L)
{
	return find_aux(L, 1);
}

static int pat_match(lua_State *L)
{
	return find_aux(L, 0);
}

struct gmatch {
	const char *src, *p, *lastmatch;
	struct pm m;
};

static int gmatch_step(lua_State *L)
{
	struct gmatch *g = lua_touserdata(L, lua_upvalueindex(3));
	g->m.L = L;
	for (const char *src = g->src; src <= g->m.src_end; src++) {
		restart(&g->m);
		const char *e = match(&g->m, src, g->p);
		if (e && e != g->lastmatch) {
			g->src = g->lastmatch = e;
			flush(&g->m);
			return push_captures(&g->m, src, e);
		}
	}
	flush(&g->m);
	return 0;
}

static int pat_gmatch(lua_State *L)
{
	size_t ls, lp;
	const char *s = luaL_checklstring(L, 1, &ls);
	const char *p = luaL_checklstring(L, 2, &lp);
	size_t init = init_pos(luaL_optinteger(L, 3, 1), ls) - 1;
	if (init > ls)
		init = ls + 1;
	lua_settop(L, 2);
	struct gmatch *g = lua_newuserdatauv(L, sizeof(*g), 0);
	prepare(&g->m, L, s, ls, p, lp);
	g->src = s + init;
	g->p = p;
	g->lastmatch = NULL;
	lua_pushcclosure(L, gmatch_step, 3);
	return 1;
}

static void add_replacement_string(struct pm *m, luaL_Buffer *b, const char *s, const char *e)
{
	lua_State *L = m->L;
	size_t l;
	const char *news = lua_tolstring(L, 3, &l), *p;
	while ((p = memchr(news, ESC, l)) != NULL) {
		luaL_addlstring(b, news, (size_t)(p - news));
		p++;
		if (*p == ESC) {
			luaL_addchar(b, *p);
		} else if (*p == '0') {
			luaL_addlstring(b, s, (size_t)(e - s));
		} else if (isdigit((unsigned char)*p)) {
			push_capture(m, *p - '1', s, e);
			luaL_tolstring(L, -1, NULL);
			lua_remove(L, -2);
			luaL_addvalue(b);
		} else {
			luaL_error(L, "invalid use of '%c' in replacement string", ESC);
		}
		l -= (size_t)(p + 1 - news);
		news = p + 1;
	}
	luaL_addlstring(b, news, l);
}

/* The replacement of the match S..E; 1 when it replaced, 0 when the match stays. */
static int add_value(struct pm *m, luaL_Buffer *b, const char *s, const char *e, int tr)
{
	lua_State *L = m->L;
	switch (tr) {
	case LUA_TFUNCTION: {
		lua_pushvalue(L, 3);
		int n = push_captures(m, s, e);
		lua_call(L, n, 1);
		break;
	}
	case LUA_TTABLE:
		push_capture(m, 0, s, e);
		lua_gettable(L, 3);
		break;
	default:
		add_replacement_string(m, b, s, e);
		return 1;
	}
	if (!lua_toboolean(L, -1)) {
		lua_pop(L, 1);
		luaL_addlstring(b, s, (size_t)(e - s));
		return 0;
	}
	if (!lua_isstring(L, -1))
		return luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
	luaL_addvalue(b);
	return 1;
}

static int pat_gsub(lua_State *L)
{
	size_t srcl, lp;
	const char *src = luaL_checklstring(L, 1, &srcl);
	const char *p = luaL_checklstring(L, 2, &lp);
	const char *lastmatch = NULL;
	int tr = lua_type(L, 3);
	lua_Integer max_s = luaL_optinteger(L, 4, (lua_Integer)srcl + 1);
	int anchor = *p == '^';
	lua_Integer n = 0;
	int changed = 0;
	luaL_argexpected(L, tr == LUA_TNUMBER || tr == LUA_TSTRING || tr == LUA_TFUNCTION ||
			 tr == LUA_TTABLE, 3, "string/function/table");
	luaL_Buffer b;
	luaL_buffinit(L, &b);
	if (anchor) {
		p++;
		lp--;
	}
	struct pm m;
	prepare(&m, L, src, srcl, p, lp);
	while (n < max_s) {
		restart(&m);
		const char *e = match(&m, src, p);
		if (e && e != lastmatch) {
			n++;
			flush(&m);
			changed = add_value(&m, &b, src, e, tr) | changed;
			src = lastmatch = e;
		} else if (src < m.src_end) {
			step(&m);
			luaL_addchar(&b, *src++);
		} else {
			break;
		}
		if (anchor)
			break;
	}
	flush(&m);
	if (!changed) {
		lua_pushvalue(L, 1);
	} else {
		luaL_addlstring(&b, src, (size_t)(m.src_end - src));
		luaL_pushresult(&b);
	}
	lua_pushinteger(L, n);
	return 2;
}

void luapattern_install(lua_State *L, luapattern_charge_fn fn)
{
	charge = fn;
	static const luaL_Reg fns[] = {
		{ "find", pat_find },
		{ "match", pat_match },
		{ "gmatch", pat_gmatch },
		{ "gsub", pat_gsub },
		{ NULL, NULL },
	};
	luaL_setfuncs(L, fns, 0);
}
