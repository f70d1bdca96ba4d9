#include <libxml/xmlversion.h>
/* Debian builds libxml2 with ICU; its headers would pull in the system's ICU, which clashes with
   the copy Foundation bundles. Nothing here uses libxml2's ICU-specific structure fields. */
#undef LIBXML_ICU_ENABLED
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

/* xmlFree is a global function pointer, which Swift 6 treats as shared mutable state. */
static inline void kawaraban_xml_free(void *pointer) { xmlFree(pointer); }
