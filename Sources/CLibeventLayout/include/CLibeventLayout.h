#ifndef CONDUIT_CLIBEVENT_LAYOUT_H
#define CONDUIT_CLIBEVENT_LAYOUT_H

struct bufferevent;
struct event;

/// The write event of a socket bufferevent. Activating it (event_active) lets the bufferevent
/// write a reply within the loop iteration that produced it, instead of first asking epoll
/// whether the socket is writable (which costs an epoll_ctl to watch for EPOLLOUT and another
/// to stop watching).
struct event *httpkernel_bufferevent_write_event(struct bufferevent *bufferEvent);

#endif
