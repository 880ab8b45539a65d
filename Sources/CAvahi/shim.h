// Only the headers natter uses from libavahi-client (Debian: libavahi-client-dev).
// Swift wrappers live in NatterDiscovery; this module stays a thin C surface.
#ifndef NATTER_CAVAHI_SHIM_H
#define NATTER_CAVAHI_SHIM_H
#include <avahi-client/client.h>
#include <avahi-client/lookup.h>
#include <avahi-client/publish.h>
#include <avahi-common/alternative.h>
#include <avahi-common/error.h>
#include <avahi-common/malloc.h>
#include <avahi-common/strlst.h>
#include <avahi-common/thread-watch.h>
#endif
