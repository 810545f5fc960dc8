#ifndef CONDUIT_CLIBEVENT_SHIM_H
#define CONDUIT_CLIBEVENT_SHIM_H
// System headers first: libevent's event-config.h defines _GNU_SOURCE, which changes how
// glibc declares fd_set; Swift's Glibc and Dispatch modules see the default declaration, and
// two different definitions of one struct break the module build.
#include <sys/types.h>
#include <sys/time.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
// The loops wake each other through an eventfd instead of libevent locking.
#include <sys/eventfd.h>
// mallopt: see HTTPServer.prepareProcess.
#include <malloc.h>
// Thread names (ThreadName.swift): prctl is variadic, which Swift cannot call.
#include <sys/prctl.h>
static inline int httpkernel_set_thread_name(const char *name) {
    return prctl(PR_SET_NAME, (unsigned long)name, 0UL, 0UL, 0UL);
}
/// `name` must hold 16 bytes.
static inline int httpkernel_get_thread_name(char *name) {
    return prctl(PR_GET_NAME, (unsigned long)name, 0UL, 0UL, 0UL);
}

// The parts of libevent 2.1 the kernel uses: the event loop, bufferevents (only to learn about
// connections as evhttp creates them), evbuffers and evhttp.
#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>
#include <event2/listener.h>
#endif
