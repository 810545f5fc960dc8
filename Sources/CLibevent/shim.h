#ifndef CONDUIT_CLIBEVENT_SHIM_H
#define CONDUIT_CLIBEVENT_SHIM_H
// The parts of libevent 2.1 the kernel uses: the event loop, bufferevents (only to learn about
// connections as evhttp creates them), evbuffers and evhttp.
#include <event2/event.h>
#include <event2/thread.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>
// The loops wake each other through an eventfd instead of libevent locking.
#include <sys/eventfd.h>
#include <malloc.h>
#endif
