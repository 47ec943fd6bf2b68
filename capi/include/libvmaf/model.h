/* libvmaf splits its interface over several headers; this library declares it
 * whole in libvmaf.h, which this one includes. */
#include "libvmaf.h"
