/*
 * pool.c — a stack of idle read connections under a mutex.
 */
#include "store/pool.h"

#include <pthread.h>
#include <stdlib.h>

#include "base/xalloc.h"

struct store_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int n, nidle;
    struct store **all, **idle;
};

int store_pool_new(const char *path, int n, struct store_pool **out, struct errbuf *e)
{
    struct store_pool *p = xcalloc(1, sizeof(*p));
    p->all = xcalloc((size_t)n, sizeof(*p->all));
    p->idle = xcalloc((size_t)n, sizeof(*p->idle));
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    for (int i = 0; i < n; i++) {
        int rc = store_open(path, 0, &p->all[i], e);
        if (rc) {
            store_pool_free(p);
            return rc;
        }
        p->n++;
        p->idle[p->nidle++] = p->all[i];
    }
    *out = p;
    return 0;
}

struct store *store_pool_get(struct store_pool *p)
{
    pthread_mutex_lock(&p->mu);
    while (p->nidle == 0)
        pthread_cond_wait(&p->cv, &p->mu);
    struct store *s = p->idle[--p->nidle];
    pthread_mutex_unlock(&p->mu);
    return s;
}

void store_pool_put(struct store_pool *p, struct store *s)
{
    pthread_mutex_lock(&p->mu);
    p->idle[p->nidle++] = s;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

void store_pool_free(struct store_pool *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->n; i++)
        store_close(p->all[i]);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p->all);
    free(p->idle);
    free(p);
}
