// The one place that depends on libevent 2.1's struct layout: bufferevent_struct.h is an
// installed header, but reading its fields ties this file to the ABI of the libevent it is
// compiled against (Debian's 2.1.12). Kept out of the Swift module so that Swift keeps seeing
// bufferevents and events as opaque pointers.
#include <event2/event_struct.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_struct.h>
#include "CLibeventLayout.h"

struct event *httpkernel_bufferevent_write_event(struct bufferevent *bufferEvent) {
    return &bufferEvent->ev_write;
}
