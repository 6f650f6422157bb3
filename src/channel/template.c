/*
 * template.c — compile and render message templates (template.h).
 *
 * Compiling copies the text into the template's arena and builds a tree of
 * nodes pointing into that copy: text runs, variables (a path and a chain of
 * filters) and sections (a path and a body). The tpl owns the arena and
 * everything in it; nothing is shared with the caller's text or name.
 *
 * Rendering walks the tree with a stack of contexts (the data, then the value
 * of each section entered, innermost last). A name is looked up from the
 * innermost context outwards, and the rest of a dotted path inside what its
 * first part found, as in mustache. Filters pass a value along: missing, a
 * JSON value (borrowed from the data) or text in one of two scratch buffers,
 * used in turn so that a filter's input survives while it writes its output.
 *
 * Standalone lines: a section, inverted, closing or comment tag alone on its
 * line (only spaces or tabs around it) takes the whole line with it, as in
 * mustache, so that a text part written with one tag per line has no stray
 * blank lines.
 */
#include "channel/template.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/str.h"
#include "base/strmap.h"
#include "base/xalloc.h"

/* ---- the compiled form -------------------------------------------------- */

struct tpl_path {
    struct str text; /* as written: "profile.first_name", or "." for the context itself */
    struct str *seg; /* the nseg parts between dots; none for "." */
    int nseg;
};

enum filter_kind { F_DEFAULT, F_UPPER, F_LOWER, F_DATE, F_NUMBER, F_CURRENCY };

struct tpl_filter {
    enum filter_kind kind;
    struct str arg; /* default's text, currency's code (upper case); empty for the others */
    struct tpl_filter *next;
};

enum node_kind { N_TEXT, N_VAR, N_SECTION, N_INVERTED };

struct tpl_node {
    enum node_kind kind;
    struct tpl_node *next;
    struct str text;            /* N_TEXT */
    struct tpl_path path;       /* N_VAR, N_SECTION, N_INVERTED */
    bool raw;                   /* N_VAR: {{{x}}} or {{& x}}, never escaped */
    struct tpl_filter *filters; /* N_VAR, in order */
    struct tpl_node *body;      /* N_SECTION, N_INVERTED */
};

struct tpl_var {
    const char *path;
    struct tpl_var *next;
};

struct tpl {
    struct arena arena;
    const char *name;
    struct tpl_node *root;
    struct tpl_var *vars; /* what tpl_each_var reports, in order */
};

/* ---- compiling ---------------------------------------------------------- */

static const struct {
    const char *name;
    enum filter_kind kind;
    bool arg; /* takes a value in quotes (required), or none */
} filter_table[] = {
    {"default", F_DEFAULT, true}, {"upper", F_UPPER, false},   {"lower", F_LOWER, false},
    {"date", F_DATE, false},      {"number", F_NUMBER, false}, {"currency", F_CURRENCY, true},
};

struct frame {
    struct tpl_node *node;  /* the open section; NULL at the root */
    struct tpl_node **tail; /* where the next node of this level goes */
    const char *at;         /* the section's opening tag, for errors */
};

struct parser {
    struct tpl *t;
    const char *src; /* the arena copy of the text */
    struct errbuf *e;
    struct frame st[TPL_MAX_DEPTH + 1];
    int depth;  /* open sections, st[depth] the innermost */
    int scoped; /* open {{#}} sections among them: names inside are not top-level */
    struct strmap *seen;
    struct tpl_var **vars_tail;
};

/* A tag between "{{" and its closing braces. */
struct tag {
    const char *start;       /* the "{{" */
    const char *end;         /* after the closing braces */
    char sigil;              /* '#', '^', '/', '!', '&', '{', or 0 for a plain variable */
    const char *cbeg, *cend; /* the content, without sigil and braces */
};

/* Up to 40 bytes of a view, for "%.*s" in messages. */
#define SHOW(s) (int)((s).len > 40 ? 40 : (s).len), (s).ptr

static void line_col(const char *src, const char *at, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (const char *p = src; p < at; p++) {
        if (*p == '\n') {
            ++*line;
            *col = 1;
        } else if (((unsigned char)*p & 0xC0) != 0x80) {
            ++*col;
        }
    }
}

static int fail(struct parser *ps, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* An error at a place in the text: ERR_INVALID with the template, line and column. */
static int fail(struct parser *ps, const char *at, const char *fmt, ...)
{
    int line, col;
    line_col(ps->src, at, &line, &col);
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return err_field(ps->e, ERR_INVALID, "template", "template \"%.64s\" line %d col %d: %s",
                     ps->t->name, line, col, msg);
}

static int no_room(struct parser *ps)
{
    return err_field(ps->e, ERR_TOO_BIG, "template", "template \"%.64s\": too many tags",
                     ps->t->name);
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static const char *skip_space(const char *p, const char *end)
{
    while (p < end && is_space(*p))
        p++;
    return p;
}

/* Bytes of a name's parts: ASCII letters, digits, _ and -, and any non-ASCII (UTF-8) byte. */
static bool is_name(char c)
{
    unsigned char u = (unsigned char)c;
    return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '_' ||
           u == '-' || u >= 0x80;
}

/* A path at *pp: "." or parts joined by dots. */
static int parse_path(struct parser *ps, const char **pp, const char *end, struct tpl_path *out)
{
    const char *p = *pp, *start = p;
    if (p < end && *p == '.' && (p + 1 == end || !is_name(p[1]))) {
        *out = (struct tpl_path){.text = str_make(p, 1)};
        *pp = p + 1;
        return 0;
    }
    int n = 1;
    for (;;) {
        const char *part = p;
        while (p < end && is_name(*p))
            p++;
        if (p == part && p == end && p == start)
            return fail(ps, p, "the tag is empty: a name is expected");
        if (p == part)
            return p == start ? fail(ps, p, "a name is expected here")
                              : fail(ps, p, "a name is expected after the dot");
        if (p == end || *p != '.')
            break;
        p++;
        n++;
    }
    out->text = str_make(start, (size_t)(p - start));
    out->nseg = n;
    out->seg = arena_alloc(&ps->t->arena, sizeof(struct str) * (size_t)n);
    if (!out->seg)
        return no_room(ps);
    const char *q = start;
    for (int i = 0; i < n; i++) {
        const char *part = q;
        while (q < p && *q != '.')
            q++;
        out->seg[i] = str_make(part, (size_t)(q - part));
        q++;
    }
    *pp = p;
    return 0;
}

/* A value in double or single quotes at *pp, \" \' and \\ escaped; copied into the arena. */
static int parse_quoted(struct parser *ps, const char **pp, const char *end, const char *filter,
                        struct str *out)
{
    const char *p = *pp, *open = p;
    if (p == end || (*p != '"' && *p != '\''))
        return fail(ps, p, "filter \"%s\" needs a value in quotes: %s: \"...\"", filter, filter);
    char q = *p++;
    char *s = arena_alloc(&ps->t->arena, (size_t)(end - p) + 1);
    if (!s)
        return no_room(ps);
    size_t n = 0;
    for (;;) {
        if (p == end)
            return fail(ps, open, "the value is not closed: a %c is missing", q);
        if (*p == q)
            break;
        if (*p == '\\') {
            p++;
            if (p == end || (*p != '"' && *p != '\'' && *p != '\\'))
                return fail(ps, p - 1, "in a value, \\ may only come before \", ' or \\");
        }
        s[n++] = *p++;
    }
    s[n] = '\0';
    *out = str_make(s, n);
    *pp = p + 1;
    return 0;
}

static int check_currency(struct parser *ps, const char *at, struct str *code)
{
    if (code->len != 3)
        goto bad;
    char *c = (char *)code->ptr; /* our own arena copy */
    for (int i = 0; i < 3; i++) {
        if (c[i] >= 'a' && c[i] <= 'z')
            c[i] = (char)(c[i] - 'a' + 'A');
        else if (c[i] < 'A' || c[i] > 'Z')
            goto bad;
    }
    return 0;
bad:
    return fail(ps, at, "currency needs a three-letter code such as \"EUR\", not \"%.*s\"",
                SHOW(*code));
}

/* One filter after its "|": a name and, for those that take one, ': "value"'. */
static int parse_filter(struct parser *ps, const char **pp, const char *end, struct tpl_filter *f)
{
    const char *p = skip_space(*pp, end), *name = p;
    while (p < end && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_'))
        p++;
    struct str word = str_make(name, (size_t)(p - name));
    if (!word.len)
        return fail(ps, name, "a filter name is expected after |");
    size_t i = 0, nf = sizeof(filter_table) / sizeof(filter_table[0]);
    while (i < nf && !str_eq_cstr(word, filter_table[i].name))
        i++;
    if (i == nf)
        return fail(ps, name,
                    "unknown filter \"%.*s\" (filters: default, upper, lower, date, number, "
                    "currency)",
                    SHOW(word));
    f->kind = filter_table[i].kind;
    f->arg = str_make("", 0);
    p = skip_space(p, end);
    bool colon = p < end && *p == ':';
    if (colon && !filter_table[i].arg)
        return fail(ps, p, "filter \"%s\" takes no value", filter_table[i].name);
    if (!colon && filter_table[i].arg)
        return fail(ps, p, "filter \"%s\" needs a value: %s: \"...\"", filter_table[i].name,
                    filter_table[i].name);
    if (colon) {
        p = skip_space(p + 1, end);
        const char *at = p;
        int rc = parse_quoted(ps, &p, end, filter_table[i].name, &f->arg);
        if (!rc && f->kind == F_CURRENCY)
            rc = check_currency(ps, at, &f->arg);
        if (rc)
            return rc;
    }
    *pp = p;
    return 0;
}

/* A variable's content: a path, then "| filter" any number of times. */
static int parse_var(struct parser *ps, const struct tag *tg, struct tpl_node *n)
{
    const char *p = skip_space(tg->cbeg, tg->cend);
    int rc = parse_path(ps, &p, tg->cend, &n->path);
    if (rc)
        return rc;
    struct tpl_filter **tail = &n->filters;
    for (;;) {
        p = skip_space(p, tg->cend);
        if (p == tg->cend)
            return 0;
        if (*p != '|')
            return fail(ps, p, "after the name \"%.*s\", | or the end of the tag is expected",
                        SHOW(n->path.text));
        struct tpl_filter *f = arena_alloc(&ps->t->arena, sizeof(*f));
        if (!f)
            return no_room(ps);
        p++;
        rc = parse_filter(ps, &p, tg->cend, f);
        if (rc)
            return rc;
        f->next = NULL;
        *tail = f;
        tail = &f->next;
    }
}

/* A section's or a closing tag's content: a path alone. */
static int parse_section_name(struct parser *ps, const struct tag *tg, struct tpl_path *path)
{
    const char *p = skip_space(tg->cbeg, tg->cend);
    int rc = parse_path(ps, &p, tg->cend, path);
    if (rc)
        return rc;
    p = skip_space(p, tg->cend);
    if (p == tg->cend)
        return 0;
    if (*p == '|')
        return fail(ps, p, "a section tag takes a name only, not filters");
    return fail(ps, p, "after the name \"%.*s\", the end of the tag is expected", SHOW(path->text));
}

/*
 * The tag at s ("{{"): its kind and where it ends. A quoted filter value may
 * hold braces; "{{" before the closing braces means these were forgotten.
 */
static int scan_tag(struct parser *ps, const char *s, struct tag *tg)
{
    tg->start = s;
    const char *p = s + 2;
    tg->sigil = strchr("#^/!&{", *p) && *p ? *p : 0;
    if (*p == '=')
        return fail(ps, s, "delimiter changes ({{=...=}}) are not supported");
    if (*p == '>')
        return fail(ps, s, "partials ({{> name}}) are not supported");
    if (tg->sigil)
        p++;
    tg->cbeg = p;
    if (tg->sigil == '!') {
        const char *close = strstr(p, "}}");
        if (!close)
            return fail(ps, s, "the comment is not closed: \"}}\" is missing");
        tg->cend = close;
        tg->end = close + 2;
        return 0;
    }
    char quote = 0; /* inside a quoted value: its quote */
    bool colon = false;
    for (;; p++) {
        if (!*p || (!quote && p[0] == '{' && p[1] == '{'))
            return fail(ps, s, "the tag is not closed: \"%s\" is missing",
                        tg->sigil == '{' ? "}}}" : "}}");
        if (quote) {
            if (*p == '\\' && p[1])
                p++;
            else if (*p == quote)
                quote = 0;
            continue;
        }
        if ((*p == '"' || *p == '\'') && colon) {
            quote = *p;
            continue;
        }
        if (!is_space(*p))
            colon = *p == ':';
        if (p[0] == '}' && p[1] == '}')
            break;
    }
    tg->cend = p;
    tg->end = p + 2;
    if (tg->sigil == '{') {
        if (p[2] != '}')
            return fail(ps, s, "a {{{ tag closes with }}}");
        tg->end++;
    }
    return 0;
}

/*
 * Whether a section, inverted, closing or comment tag is alone on its line;
 * if so *line_start is set to where its indentation begins and *after past
 * the end of its line.
 */
static bool standalone(const struct parser *ps, const struct tag *tg, const char **line_start,
                       const char **after)
{
    if (!tg->sigil || !strchr("#^/!", tg->sigil))
        return false;
    const char *b = tg->start;
    while (b > ps->src && (b[-1] == ' ' || b[-1] == '\t'))
        b--;
    if (b > ps->src && b[-1] != '\n')
        return false;
    const char *a = tg->end;
    while (*a == ' ' || *a == '\t')
        a++;
    if (*a == '\r' && a[1] == '\n')
        a++;
    if (*a == '\n')
        a++;
    else if (*a)
        return false;
    *line_start = b;
    *after = a;
    return true;
}

static struct tpl_node *add_node(struct parser *ps, enum node_kind kind)
{
    struct tpl_node *n = arena_alloc(&ps->t->arena, sizeof(*n));
    if (!n)
        return NULL;
    memset(n, 0, sizeof(*n));
    n->kind = kind;
    struct frame *f = &ps->st[ps->depth];
    *f->tail = n;
    f->tail = &n->next;
    return n;
}

static int add_text(struct parser *ps, const char *from, const char *to)
{
    if (to <= from)
        return 0;
    struct tpl_node *n = add_node(ps, N_TEXT);
    if (!n)
        return no_room(ps);
    n->text = str_make(from, (size_t)(to - from));
    return 0;
}

/* A path read from the top of the data joins the list of tpl_each_var, once. */
static int note_var(struct parser *ps, const struct tpl_path *path)
{
    if (ps->scoped || !path->nseg)
        return 0;
    char *key = arena_strndup(&ps->t->arena, path->text.ptr, path->text.len);
    if (!key)
        return no_room(ps);
    if (!ps->seen)
        ps->seen = strmap_new_growable(64, 1);
    if (strmap_get(ps->seen, key))
        return 0;
    struct tpl_var *v = arena_alloc(&ps->t->arena, sizeof(*v));
    if (!v)
        return no_room(ps);
    strmap_put(ps->seen, key);
    v->path = key;
    v->next = NULL;
    *ps->vars_tail = v;
    ps->vars_tail = &v->next;
    return 0;
}

static int open_section(struct parser *ps, const struct tag *tg)
{
    if (ps->depth == TPL_MAX_DEPTH)
        return fail(ps, tg->start, "sections nested deeper than %d", TPL_MAX_DEPTH);
    struct tpl_path path;
    int rc = parse_section_name(ps, tg, &path);
    if (!rc)
        rc = note_var(ps, &path);
    if (rc)
        return rc;
    struct tpl_node *n = add_node(ps, tg->sigil == '#' ? N_SECTION : N_INVERTED);
    if (!n)
        return no_room(ps);
    n->path = path;
    ps->depth++;
    ps->st[ps->depth] = (struct frame){.node = n, .tail = &n->body, .at = tg->start};
    if (n->kind == N_SECTION)
        ps->scoped++;
    return 0;
}

static int close_section(struct parser *ps, const struct tag *tg)
{
    struct tpl_path path;
    int rc = parse_section_name(ps, tg, &path);
    if (rc)
        return rc;
    if (!ps->depth)
        return fail(ps, tg->start, "{{/%.*s}} closes no open section", SHOW(path.text));
    const struct frame *f = &ps->st[ps->depth];
    if (!str_eq(path.text, f->node->path.text)) {
        int line, col;
        line_col(ps->src, f->at, &line, &col);
        return fail(ps, tg->start,
                    "{{/%.*s}} does not close section \"%.*s\" opened at line %d col %d",
                    SHOW(path.text), SHOW(f->node->path.text), line, col);
    }
    if (f->node->kind == N_SECTION)
        ps->scoped--;
    ps->depth--;
    return 0;
}

static int add_var(struct parser *ps, const struct tag *tg)
{
    struct tpl_node *n = add_node(ps, N_VAR);
    if (!n)
        return no_room(ps);
    n->raw = tg->sigil == '&' || tg->sigil == '{';
    int rc = parse_var(ps, tg, n);
    if (!rc)
        rc = note_var(ps, &n->path);
    return rc;
}

static int parse_all(struct parser *ps)
{
    const char *text_from = ps->src;
    for (;;) {
        const char *s = strstr(text_from, "{{");
        if (!s)
            break;
        struct tag tg = {0};
        int rc = scan_tag(ps, s, &tg);
        if (rc)
            return rc;
        const char *text_to = s, *next = tg.end;
        standalone(ps, &tg, &text_to, &next);
        rc = add_text(ps, text_from, text_to);
        if (rc)
            return rc;
        if (tg.sigil == '#' || tg.sigil == '^')
            rc = open_section(ps, &tg);
        else if (tg.sigil == '/')
            rc = close_section(ps, &tg);
        else if (tg.sigil != '!')
            rc = add_var(ps, &tg);
        if (rc)
            return rc;
        text_from = next;
    }
    if (ps->depth) {
        const struct frame *f = &ps->st[ps->depth];
        return fail(ps, f->at, "section \"%.*s\" opened here is never closed",
                    SHOW(f->node->path.text));
    }
    return add_text(ps, text_from, text_from + strlen(text_from));
}

int tpl_compile(const char *name, const char *text, struct tpl **out, struct errbuf *e)
{
    *out = NULL;
    if (!name)
        name = "";
    size_t len = strlen(text);
    if (len > TPL_MAX_TEXT)
        return err_field(e, ERR_TOO_BIG, "template",
                         "template \"%.64s\": the text is larger than %zu KB (%zu bytes)", name,
                         TPL_MAX_TEXT / 1024, len);
    struct tpl *t = xcalloc(1, sizeof(*t));
    arena_init(&t->arena, 0);
    t->name = arena_strdup(&t->arena, name);
    if (!t->name)
        t->name = "";
    struct parser ps = {.t = t, .e = e, .vars_tail = &t->vars};
    ps.src = arena_strndup(&t->arena, text, len);
    ps.st[0] = (struct frame){.tail = &t->root};
    int rc = parse_all(&ps);
    strmap_free(ps.seen);
    if (rc) {
        tpl_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

void tpl_free(struct tpl *t)
{
    if (!t)
        return;
    arena_release(&t->arena);
    free(t);
}

void tpl_each_var(const struct tpl *t, void (*fn)(void *ctx, const char *path), void *ctx)
{
    for (const struct tpl_var *v = t->vars; v; v = v->next)
        fn(ctx, v->path);
}

/* ---- locales ------------------------------------------------------------- */

#define NBSP "\xc2\xa0"

enum cur_place {
    CUR_BEFORE,       /* en: €1,234.50 */
    CUR_BEFORE_SPACE, /* nl: € 1.234,50 */
    CUR_AFTER_SPACE,  /* fr, de: 1.234,50 € */
};

enum day_style { DAY_PLAIN, DAY_DOT, DAY_FIRST_ER };

struct locale {
    const char *lang;
    const char *group, *decimal;
    enum cur_place cur;
    enum day_style day;
    const char *months[12];
};

static const struct locale locales[] = {
    {"en",
     ",",
     ".",
     CUR_BEFORE,
     DAY_PLAIN,
     {"January", "February", "March", "April", "May", "June", "July", "August", "September",
      "October", "November", "December"}},
    {"nl",
     ".",
     ",",
     CUR_BEFORE_SPACE,
     DAY_PLAIN,
     {"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
      "oktober", "november", "december"}},
    {"fr",
     NBSP,
     ",",
     CUR_AFTER_SPACE,
     DAY_FIRST_ER,
     {"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
      "octobre", "novembre", "décembre"}},
    {"de",
     ".",
     ",",
     CUR_AFTER_SPACE,
     DAY_DOT,
     {"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
      "November", "Dezember"}},
};

/* The language of "fr-BE", "nl_NL", "DE": its first two letters, then the end, - or _. */
static const struct locale *locale_find(const char *code)
{
    if (!code)
        return &locales[0];
    size_t n = 0;
    while (code[n] && code[n] != '-' && code[n] != '_')
        n++;
    for (size_t i = 0; i < sizeof(locales) / sizeof(locales[0]); i++)
        if (str_eq_nocase(str_make(code, n), locales[i].lang))
            return &locales[i];
    return &locales[0];
}

static const char *currency_symbol(const char *code)
{
    static const char *const table[][2] = {
        {"EUR", "€"}, {"USD", "$"}, {"GBP", "£"}, {"JPY", "¥"}, {"INR", "₹"},
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (!strcmp(code, table[i][0]))
            return table[i][1];
    return code;
}

/*
 * Append a plain decimal ("-1234.5", C locale) with the locale's separators:
 * groups of three digits from 1,000 on.
 */
static int add_localized(struct buf *b, const char *plain, const struct locale *l)
{
    int rc = 0;
    if (*plain == '-') {
        rc = buf_addch(b, '-');
        plain++;
    }
    size_t nint = strspn(plain, "0123456789");
    for (size_t i = 0; i < nint && !rc; i++) {
        if (i && (nint - i) % 3 == 0)
            rc = buf_adds(b, l->group);
        if (!rc)
            rc = buf_addch(b, plain[i]);
    }
    if (!rc && plain[nint] == '.' && plain[nint + 1]) {
        rc = buf_adds(b, l->decimal);
        if (!rc)
            rc = buf_adds(b, plain + nint + 1);
    }
    return rc;
}

/* ---- values and filters --------------------------------------------------- */

enum val_kind { V_MISSING, V_JSON, V_TEXT };

struct val {
    enum val_kind kind;
    const json_t *j; /* V_JSON */
    struct str s;    /* V_TEXT: a filter's value or a scratch buffer */
};

struct render {
    const struct tpl *t;
    const struct locale *loc;
    bool html;
    struct buf *out;
    const json_t *ctx[TPL_MAX_DEPTH + 1];
    int nctx;
    long steps;
    struct buf scratch[2];
};

/* The shortest text that reads back as d. */
static void real_text(double d, char *tmp, size_t n)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, n, "%.*g", prec, d);
        if (strtod(tmp, NULL) == d)
            return;
    }
}

/* A value as text: objects, arrays, null and nothing are "". tmp holds numbers (>= 32 bytes). */
static struct str val_text(const struct val *v, char *tmp, size_t ntmp)
{
    if (v->kind == V_TEXT)
        return v->s;
    if (v->kind == V_MISSING)
        return str_make("", 0);
    switch (json_typeof(v->j)) {
    case JSON_STRING:
        return str_make(json_string_value(v->j), json_string_length(v->j));
    case JSON_INTEGER:
        snprintf(tmp, ntmp, "%" PRId64, (int64_t)json_integer_value(v->j));
        return str_from(tmp);
    case JSON_REAL:
        real_text(json_real_value(v->j), tmp, ntmp);
        return str_from(tmp);
    case JSON_TRUE:
        return STR_LIT("true");
    case JSON_FALSE:
        return STR_LIT("false");
    default:
        return str_make("", 0);
    }
}

/* What default replaces: nothing, null, "" and what renders as "" (objects, arrays). */
static bool val_empty(const struct val *v)
{
    if (v->kind == V_MISSING)
        return true;
    if (v->kind == V_TEXT)
        return v->s.len == 0;
    return json_is_null(v->j) || json_is_object(v->j) || json_is_array(v->j) ||
           (json_is_string(v->j) && json_string_length(v->j) == 0);
}

static bool val_absent(const struct val *v)
{
    return v->kind == V_MISSING || (v->kind == V_JSON && json_is_null(v->j));
}

static int map_case(struct buf *b, struct str s, bool upper)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s.ptr;
    size_t i = 0;
    int rc = 0;
    while (i < s.len && !rc) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(p + i, (utf8proc_ssize_t)(s.len - i), &cp);
        if (k <= 0) { /* not UTF-8: the byte as it is */
            rc = buf_addch(b, s.ptr[i++]);
            continue;
        }
        cp = upper ? utf8proc_toupper(cp) : utf8proc_tolower(cp);
        utf8proc_uint8_t enc[4];
        rc = buf_add(b, enc, (size_t)utf8proc_encode_char(cp, enc));
        i += (size_t)k;
    }
    return rc;
}

/* "2026-12-24" or an ISO 8601 time: the date as written; false for anything else. */
static bool parse_day(struct str s, int *y, int *m, int *d)
{
    char tmp[48];
    int64_t ms;
    if (s.len < 10 || s.len >= sizeof(tmp) || memchr(s.ptr, '\0', s.len))
        return false;
    memcpy(tmp, s.ptr, s.len);
    tmp[s.len] = '\0';
    if (time_parse_iso8601(tmp, &ms))
        return false;
    *y = (tmp[0] - '0') * 1000 + (tmp[1] - '0') * 100 + (tmp[2] - '0') * 10 + (tmp[3] - '0');
    *m = (tmp[5] - '0') * 10 + (tmp[6] - '0');
    *d = (tmp[8] - '0') * 10 + (tmp[9] - '0');
    return true;
}

static int format_day(struct buf *b, const struct locale *l, int y, int m, int d)
{
    const char *month = l->months[m - 1];
    switch (l->day) {
    case DAY_DOT:
        return buf_addf(b, "%d. %s %d", d, month, y);
    case DAY_FIRST_ER:
        if (d == 1)
            return buf_addf(b, "1er %s %d", month, y);
        return buf_addf(b, "%d %s %d", d, month, y);
    default:
        return buf_addf(b, "%d %s %d", d, month, y);
    }
}

/* A decimal written as text ("1234.5", "-3", " 12 "): no exponent, hex, inf or nan. */
static bool parse_decimal(struct str s, double *out)
{
    s = str_trim(s);
    char tmp[48];
    if (!s.len || s.len >= sizeof(tmp))
        return false;
    size_t i = s.ptr[0] == '-' || s.ptr[0] == '+';
    size_t digits = 0, dots = 0;
    for (size_t k = i; k < s.len; k++) {
        if (s.ptr[k] >= '0' && s.ptr[k] <= '9')
            digits++;
        else if (s.ptr[k] == '.' && !dots)
            dots++;
        else
            return false;
    }
    if (!digits)
        return false;
    memcpy(tmp, s.ptr, s.len);
    tmp[s.len] = '\0';
    *out = strtod(tmp, NULL);
    return true;
}

/*
 * A number as a plain decimal in tmp: an integer exactly; a real rounded to
 * decimals places, then (keep false) without trailing zeros. No "-0".
 */
static bool number_plain(const struct val *v, int decimals, bool keep, char *tmp, size_t n)
{
    double d;
    if (v->kind == V_JSON && json_is_integer(v->j)) {
        int zeros = keep ? decimals : 0;
        snprintf(tmp, n, "%" PRId64 "%s%.*s", (int64_t)json_integer_value(v->j), zeros ? "." : "",
                 zeros, "000000");
        return true;
    }
    if (v->kind == V_JSON && json_is_real(v->j)) {
        d = json_real_value(v->j);
    } else {
        char small[32];
        if (val_absent(v) || !parse_decimal(val_text(v, small, sizeof(small)), &d))
            return false;
    }
    snprintf(tmp, n, "%.*f", decimals, d);
    if (!keep && strchr(tmp, '.')) {
        size_t len = strlen(tmp);
        while (tmp[len - 1] == '0')
            tmp[--len] = '\0';
        if (tmp[len - 1] == '.')
            tmp[--len] = '\0';
    }
    if (tmp[0] == '-' && !tmp[strspn(tmp + 1, "0.") + 1])
        memmove(tmp, tmp + 1, strlen(tmp)); /* "-0.00" is "0.00" */
    return true;
}

static int format_currency(struct buf *b, const struct locale *l, const char *plain,
                           const char *code)
{
    const char *sym = currency_symbol(code);
    bool letters = sym == code; /* "CHF 12.00", never "CHF12.00" */
    int rc = 0;
    switch (l->cur) {
    case CUR_BEFORE:
        if (*plain == '-') {
            rc = buf_addch(b, '-');
            plain++;
        }
        if (!rc)
            rc = buf_adds(b, sym);
        if (!rc && letters)
            rc = buf_adds(b, NBSP);
        return rc ? rc : add_localized(b, plain, l);
    case CUR_BEFORE_SPACE:
        rc = buf_adds(b, sym);
        if (!rc)
            rc = buf_adds(b, NBSP);
        return rc ? rc : add_localized(b, plain, l);
    default:
        rc = add_localized(b, plain, l);
        if (!rc)
            rc = buf_adds(b, NBSP);
        return rc ? rc : buf_adds(b, sym);
    }
}

/* One filter: *v becomes its output, written (when text) into b. */
static int apply(struct render *r, const struct tpl_filter *f, struct val *v, struct buf *b)
{
    char tmp[400];
    int rc = 0, y, m, d;
    buf_reset(b);
    switch (f->kind) {
    case F_DEFAULT:
        if (val_empty(v))
            *v = (struct val){.kind = V_TEXT, .s = f->arg};
        return 0;
    case F_UPPER:
    case F_LOWER:
        if (val_absent(v))
            return 0;
        rc = map_case(b, val_text(v, tmp, sizeof(tmp)), f->kind == F_UPPER);
        break;
    case F_DATE:
        if (val_absent(v) || (v->kind == V_JSON && !json_is_string(v->j)) ||
            !parse_day(val_text(v, tmp, sizeof(tmp)), &y, &m, &d))
            return 0; /* not a date: left as it is */
        rc = format_day(b, r->loc, y, m, d);
        break;
    case F_NUMBER:
    case F_CURRENCY:
        if (!number_plain(v, f->kind == F_CURRENCY ? 2 : 3, f->kind == F_CURRENCY, tmp,
                          sizeof(tmp)))
            return 0; /* not a number: left as it is */
        rc = f->kind == F_NUMBER ? add_localized(b, tmp, r->loc)
                                 : format_currency(b, r->loc, tmp, f->arg.ptr);
        break;
    }
    if (!rc)
        *v = (struct val){.kind = V_TEXT, .s = str_make(b->ptr, b->len)};
    return rc;
}

/* ---- rendering ----------------------------------------------------------- */

/* What a character becomes in HTML text or an attribute's value, or NULL: itself. */
static const char *html_escape(char c)
{
    static const char *const rep[] = {
        ['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;", ['\''] = "&#39;",
    };
    unsigned char u = (unsigned char)c;
    return u < sizeof(rep) / sizeof(rep[0]) ? rep[u] : NULL;
}

static int add_escaped(struct buf *b, struct str s)
{
    size_t run = 0;
    int rc = 0;
    for (size_t i = 0; i < s.len && !rc; i++) {
        const char *rep = html_escape(s.ptr[i]);
        if (!rep)
            continue;
        rc = buf_add(b, s.ptr + run, i - run);
        if (!rc)
            rc = buf_adds(b, rep);
        run = i + 1;
    }
    return rc ? rc : buf_add(b, s.ptr + run, s.len - run);
}

/* One part of a path inside v: an object's member, or an array's item by its index. */
static const json_t *step(const json_t *v, struct str part)
{
    if (json_is_object(v))
        return json_object_getn(v, part.ptr, part.len);
    if (!json_is_array(v) || part.len > 9)
        return NULL;
    size_t i = 0;
    for (size_t k = 0; k < part.len; k++) {
        if (part.ptr[k] < '0' || part.ptr[k] > '9')
            return NULL;
        i = i * 10 + (size_t)(part.ptr[k] - '0');
    }
    return json_array_get(v, i);
}

/* The first part from the innermost context outwards; the rest inside what it found. */
static const json_t *lookup(const struct render *r, const struct tpl_path *p)
{
    if (!p->nseg)
        return r->ctx[r->nctx - 1];
    const json_t *v = NULL;
    for (int i = r->nctx - 1; i >= 0 && !v; i--)
        v = step(r->ctx[i], p->seg[0]);
    for (int k = 1; v && k < p->nseg; k++)
        v = step(v, p->seg[k]);
    return v;
}

/* Whether a section renders: not missing, null, false, "" or []. 0 and {} do. */
static bool truthy(const json_t *v)
{
    if (!v || json_is_null(v) || json_is_false(v))
        return false;
    if (json_is_string(v))
        return json_string_length(v) > 0;
    if (json_is_array(v))
        return json_array_size(v) > 0;
    return true;
}

static int render_var(struct render *r, const struct tpl_node *n)
{
    const json_t *j = lookup(r, &n->path);
    struct val v = {.kind = j ? V_JSON : V_MISSING, .j = j};
    int k = 0;
    for (const struct tpl_filter *f = n->filters; f; f = f->next) {
        int rc = apply(r, f, &v, &r->scratch[k]);
        if (rc)
            return rc;
        k ^= 1;
    }
    char tmp[32];
    struct str s = val_text(&v, tmp, sizeof(tmp));
    return r->html && !n->raw ? add_escaped(r->out, s) : buf_add(r->out, s.ptr, s.len);
}

static int render_nodes(struct render *r, const struct tpl_node *n);

static int render_in(struct render *r, const json_t *ctx, const struct tpl_node *body)
{
    if (r->nctx == TPL_MAX_DEPTH + 1)
        BUG("template context stack overflow");
    r->ctx[r->nctx++] = ctx;
    int rc = render_nodes(r, body);
    r->nctx--;
    return rc;
}

static int render_section(struct render *r, const struct tpl_node *n)
{
    const json_t *v = lookup(r, &n->path);
    if (!json_is_array(v))
        return truthy(v) ? render_in(r, v, n->body) : 0;
    for (size_t i = 0; i < json_array_size(v); i++) {
        if (++r->steps > TPL_MAX_STEPS)
            return ERR_TOO_BIG;
        int rc = render_in(r, json_array_get(v, i), n->body);
        if (rc)
            return rc;
    }
    return 0;
}

static int render_nodes(struct render *r, const struct tpl_node *n)
{
    for (; n; n = n->next) {
        if (++r->steps > TPL_MAX_STEPS)
            return ERR_TOO_BIG;
        int rc = 0;
        switch (n->kind) {
        case N_TEXT:
            rc = buf_add(r->out, n->text.ptr, n->text.len);
            break;
        case N_VAR:
            rc = render_var(r, n);
            break;
        case N_SECTION:
            rc = render_section(r, n);
            break;
        case N_INVERTED:
            if (!truthy(lookup(r, &n->path)))
                rc = render_nodes(r, n->body);
            break;
        }
        if (rc)
            return rc;
    }
    return 0;
}

int tpl_render(const struct tpl *t, const json_t *data, const struct tpl_opts *o, struct buf *out,
               struct errbuf *e)
{
    struct render r = {.t = t, .out = out, .nctx = 1, .ctx = {data}};
    r.html = o && o->html;
    r.loc = locale_find(o ? o->locale : NULL);
    buf_init(&r.scratch[0], out->max);
    buf_init(&r.scratch[1], out->max);
    size_t start = out->len;
    int rc = render_nodes(&r, t->root);
    buf_release(&r.scratch[0]);
    buf_release(&r.scratch[1]);
    if (!rc)
        return 0;
    out->len = start;
    out->ptr[start] = '\0';
    if (r.steps > TPL_MAX_STEPS)
        return err_field(e, rc, "template",
                         "template \"%.64s\": rendering stopped after %ld steps (sections over "
                         "long lists nested too deep)",
                         t->name, TPL_MAX_STEPS);
    return err_field(e, rc, "template", "template \"%.64s\": the output is larger than %zu bytes",
                     t->name, out->max);
}

/* ---- the text part of an HTML document ------------------------------------ */

struct h2t {
    struct buf *out;
    size_t start;    /* out->len on entry: before it is the caller's */
    int rc;          /* the first failure */
    int breaks;      /* new lines owed before the next text: 0, 1 or 2 */
    bool space;      /* a space owed before the next text */
    bool in_link;    /* inside <a href> */
    size_t link_at;  /* out->len where the link's text begins */
    struct buf href; /* the link's URL, entities decoded */
};

/* Visible text: what is owed before it first (nothing at the very start). */
static void put(struct h2t *h, const char *s, size_t n)
{
    if (h->rc || !n)
        return;
    if (h->out->len > h->start) {
        for (int i = 0; i < h->breaks && !h->rc; i++)
            h->rc = buf_addch(h->out, '\n');
        if (!h->breaks && h->space && !h->rc)
            h->rc = buf_addch(h->out, ' ');
    }
    h->breaks = 0;
    h->space = false;
    if (!h->rc)
        h->rc = buf_add(h->out, s, n);
}

static void owe_break(struct h2t *h, int n)
{
    if (n > h->breaks)
        h->breaks = n;
}

/*
 * The entity at p ("&amp;", "&#233;", "&#xE9;") into u (>= 8 bytes):
 * bytes read, 0 when it is none. &nbsp; is a plain space.
 */
static size_t entity(const char *p, char *u, size_t *ulen)
{
    static const char *const named[][2] = {
        {"amp", "&"},    {"lt", "<"},    {"gt", ">"},    {"quot", "\""}, {"apos", "'"},
        {"nbsp", " "},   {"copy", "©"},  {"reg", "®"},   {"trade", "™"}, {"euro", "€"},
        {"hellip", "…"}, {"mdash", "—"}, {"ndash", "–"}, {"lsquo", "‘"}, {"rsquo", "’"},
        {"ldquo", "“"},  {"rdquo", "”"}, {"laquo", "«"}, {"raquo", "»"}, {"middot", "·"},
    };
    const char *semi = p + 1;
    while (semi < p + 12 && *semi && *semi != ';')
        semi++;
    if (*semi != ';')
        return 0;
    size_t n = (size_t)(semi - p - 1);
    if (p[1] == '#') {
        bool hex = p[2] == 'x' || p[2] == 'X';
        const char *d = p + 2 + hex;
        if (d == semi)
            return 0;
        long cp = 0;
        for (; d < semi; d++) {
            int v = *d >= '0' && *d <= '9'          ? *d - '0'
                    : hex && *d >= 'a' && *d <= 'f' ? *d - 'a' + 10
                    : hex && *d >= 'A' && *d <= 'F' ? *d - 'A' + 10
                                                    : -1;
            if (v < 0)
                return 0;
            cp = cp * (hex ? 16 : 10) + v;
        }
        if (cp == 160 || cp == '\t' || cp == '\n' || cp == '\f' || cp == '\r')
            cp = ' '; /* white space like any other */
        else if (cp < 32 || (cp >= 0x7F && cp < 0xA0) ||
                 !utf8proc_codepoint_valid((utf8proc_int32_t)cp))
            cp = 0xFFFD;
        *ulen = (size_t)utf8proc_encode_char((utf8proc_int32_t)cp, (utf8proc_uint8_t *)u);
        return n + 2;
    }
    for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
        if (strlen(named[i][0]) == n && !memcmp(p + 1, named[i][0], n)) {
            *ulen = strlen(named[i][1]);
            memcpy(u, named[i][1], *ulen);
            return n + 2;
        }
    }
    return 0;
}

/* Text between tags (or an attribute's value): white space collapsed, entities decoded. */
static void put_text(struct h2t *h, const char *p, const char *end)
{
    while (p < end) {
        const char *run = p;
        while (p < end && !is_space(*p) && *p != '\f' && *p != '&')
            p++;
        put(h, run, (size_t)(p - run));
        if (p == end)
            break;
        char u[8];
        size_t ulen = 0, n = *p == '&' ? entity(p, u, &ulen) : 0;
        if (*p == '&' && !n) {
            put(h, "&", 1);
            p++;
        } else if (n && !(ulen == 1 && u[0] == ' ')) {
            put(h, u, ulen);
            p += n;
        } else {
            h->space = true;
            p += n ? n : 1;
        }
    }
}

/* A link's URL into b: entities decoded, tabs and new lines dropped (as browsers do). */
static int decode_url(struct buf *b, const char *p, const char *end)
{
    int rc = 0;
    buf_reset(b);
    for (; p < end && !rc; p++) {
        char u[8];
        size_t ulen = 0, n = *p == '&' ? entity(p, u, &ulen) : 0;
        if (n) {
            rc = buf_add(b, u, ulen);
            p += n - 1;
        } else if (*p != '\t' && *p != '\n' && *p != '\r') {
            rc = buf_addch(b, *p);
        }
    }
    return rc;
}

static bool is_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool prefix_nocase(const char *p, const char *word)
{
    for (; *word; p++, word++)
        if ((*p | 0x20) != *word)
            return false;
    return true;
}

/* Where "</name" starts (any case), or the end of the text. */
static const char *find_end_tag(const char *p, const char *name)
{
    for (; *p; p++)
        if (p[0] == '<' && p[1] == '/' && prefix_nocase(p + 2, name))
            return p;
    return p;
}

struct html_tag {
    char name[12]; /* lower case; "" when longer */
    bool closing;
    const char *href, *href_end; /* <a href>: the raw value */
    const char *alt, *alt_end;   /* <img alt> */
};

/* One attribute at p; returns what follows it. */
static const char *read_attr(const char *p, struct html_tag *tg)
{
    const char *name = p;
    while (*p && !is_space(*p) && *p != '=' && *p != '>' && *p != '/')
        p++;
    size_t nlen = (size_t)(p - name);
    if (p == name)
        return p + 1; /* a stray '/' or '=' */
    const char *q = p;
    while (is_space(*q))
        q++;
    if (*q != '=')
        return p;
    q++;
    while (is_space(*q))
        q++;
    const char *v = q, *vend;
    if (*q == '"' || *q == '\'') {
        char quote = *q;
        v = ++q;
        while (*q && *q != quote)
            q++;
        vend = q;
        if (*q)
            q++;
    } else {
        while (*q && !is_space(*q) && *q != '>')
            q++;
        vend = q;
    }
    if (nlen == 4 && prefix_nocase(name, "href")) {
        tg->href = v;
        tg->href_end = vend;
    } else if (nlen == 3 && prefix_nocase(name, "alt")) {
        tg->alt = v;
        tg->alt_end = vend;
    }
    return q;
}

/* The tag at p ('<' then a letter, or "</"); returns what follows its '>'. */
static const char *read_tag(const char *p, struct html_tag *tg)
{
    memset(tg, 0, sizeof(*tg));
    p++;
    if (*p == '/') {
        tg->closing = true;
        p++;
    }
    size_t n = 0;
    while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')) {
        if (n < sizeof(tg->name) - 1)
            tg->name[n] = (char)(*p | 0x20);
        n++;
        p++;
    }
    if (n >= sizeof(tg->name))
        tg->name[0] = '\0';
    while (*p && *p != '>') {
        if (is_space(*p) || *p == '/')
            p++;
        else
            p = read_attr(p, tg);
    }
    return *p ? p + 1 : p;
}

static bool name_in(const char *name, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(name, *list))
            return true;
    return false;
}

static void link_end(struct h2t *h)
{
    if (!h->in_link)
        return;
    h->in_link = false;
    struct str url = str_trim(str_make(h->href.ptr, h->href.len));
    if (!url.len || url.ptr[0] == '#' || str_starts_with(url, "javascript:"))
        return;
    struct str text = h->rc
                          ? str_make("", 0)
                          : str_trim(str_make(h->out->ptr + h->link_at, h->out->len - h->link_at));
    struct str bare = url;
    if (str_starts_with(url, "mailto:") || str_starts_with(url, "tel:"))
        str_cut(url, ':', &(struct str){0}, &bare);
    if (str_eq(text, url) || str_eq(text, bare))
        return;
    if (!text.len) {
        put(h, url.ptr, url.len);
        return;
    }
    bool space_after = h->space; /* "<a>text </a>next": the space goes after the URL */
    h->space = true;
    put(h, "(", 1);
    put(h, url.ptr, url.len);
    put(h, ")", 1);
    h->space = space_after;
}

static void on_tag(struct h2t *h, const struct html_tag *tg)
{
    static const char *const para[] = {"p",  "h1", "h2",    "h3",         "h4", "h5", "h6",
                                       "ul", "ol", "table", "blockquote", "hr", NULL};
    static const char *const line[] = {"div",    "li",     "tr",     "section", "article",
                                       "header", "footer", "center", NULL};
    const char *name = tg->name;
    if (!strcmp(name, "br")) {
        h->breaks = h->breaks < 2 ? h->breaks + 1 : 2;
    } else if (name_in(name, para)) {
        owe_break(h, 2);
    } else if (name_in(name, line)) {
        owe_break(h, 1);
        if (!tg->closing && !strcmp(name, "li")) {
            put(h, "-", 1);
            h->space = true;
        }
    } else if (!strcmp(name, "td") || !strcmp(name, "th")) {
        h->space = true;
    } else if (!strcmp(name, "img") && tg->alt) {
        put_text(h, tg->alt, tg->alt_end);
    } else if (!strcmp(name, "a")) {
        link_end(h);
        if (!tg->closing && tg->href && !h->rc) {
            h->rc = decode_url(&h->href, tg->href, tg->href_end);
            h->in_link = true;
            h->link_at = h->out->len;
        }
    }
}

int tpl_text_from_html(const char *html, struct buf *out)
{
    struct h2t h = {.out = out, .start = out->len};
    buf_init(&h.href, out->max);
    const char *p = html;
    while (*p && !h.rc) {
        const char *lt = strchr(p, '<');
        const char *end = lt ? lt : p + strlen(p);
        put_text(&h, p, end);
        p = end;
        if (!*p)
            break;
        if (!strncmp(p, "<!--", 4)) {
            const char *close = strstr(p + 4, "-->");
            p = close ? close + 3 : p + strlen(p);
        } else if (p[1] == '!' || p[1] == '?') {
            const char *close = strchr(p, '>');
            p = close ? close + 1 : p + strlen(p);
        } else if (is_letter(p[1]) || (p[1] == '/' && is_letter(p[2]))) {
            struct html_tag tg;
            p = read_tag(p, &tg);
            if (!tg.closing &&
                name_in(tg.name, (const char *const[]){"style", "script", "title", NULL}))
                p = find_end_tag(p, tg.name);
            else
                on_tag(&h, &tg);
        } else {
            put(&h, "<", 1); /* "a < b": a plain character */
            p++;
        }
    }
    link_end(&h);
    buf_release(&h.href);
    if (h.rc) {
        out->len = h.start;
        out->ptr[h.start] = '\0';
    }
    return h.rc;
}

int tpl_check_part(const char *name, const char *part, const char *text, struct errbuf *e)
{
    if (!text)
        return 0;
    /* a subject is one header line: a line break in its text could never be sent */
    if (!strcmp(part, "subject") && strpbrk(text, "\r\n"))
        return err_field(e, ERR_INVALID, part, "template \"%s\": the subject is one line", name);
    struct tpl *t = NULL;
    char what[300];
    snprintf(what, sizeof what, "%s (%s)", name, part);
    int rc = tpl_compile(what, text, &t, e);
    tpl_free(t);
    if (rc)
        snprintf(e->field, sizeof e->field, "%s", part);
    return rc;
}
