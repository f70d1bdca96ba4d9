import CLibXML2
import Synchronization

/// Feeds use HTML's named entities (`&nbsp;`, `&eacute;`) without declaring them. To libxml2 that
/// is a fatal error, and once a document is known ill-formed recover mode drops every later entity
/// reference, `&amp;` included, so a single `&nbsp;` would corrupt the rest of the feed's text and
/// links. Answering libxml2's entity lookup from HTML's table keeps such a document well-formed.
enum HTMLEntityFallback {
    static func install(on context: xmlParserCtxtPtr) {
        context.pointee.sax?.pointee.getEntity = { context, name in
            if let declared = xmlSAX2GetEntity(context, name) { return declared }
            guard let name else { return nil }
            return HTMLEntityFallback.entities.entity(named: name)
        }
    }

    private static let entities = EntityTable()
}

/// libxml2 inlines an entity of the predefined kind as plain characters and never writes to it, as it
/// does with its own `&lt;` and `&amp;`, so one shared, never-freed entity per HTML name serves
/// every parse on every thread. At most HTML's 253 names are ever made.
private final class EntityTable: Sendable {
    /// The address of an entity that is complete before it is shared and never changes after.
    private struct SharedEntity: @unchecked Sendable { let pointer: xmlEntityPtr }

    private let made = Mutex<[String: SharedEntity]>([:])

    func entity(named cName: UnsafePointer<xmlChar>) -> xmlEntityPtr? {
        let name = String(cString: cName)
        return made.withLock { made in
            if let existing = made[name] { return existing.pointer }
            guard let description = htmlEntityLookup(cName),
                  let scalar = Unicode.Scalar(description.pointee.value)
            else { return nil }
            let entity = Self.predefined(name: name, value: String(Character(scalar)))
            made[name] = SharedEntity(pointer: entity)
            return entity
        }
    }

    private static func predefined(name: String, value: String) -> xmlEntityPtr {
        let entity = xmlEntityPtr.allocate(capacity: 1)
        entity.initialize(to: xmlEntity())
        let content = xmlCharStrdup(value)
        entity.pointee.type = XML_ENTITY_DECL
        entity.pointee.name = UnsafePointer(xmlCharStrdup(name))
        entity.pointee.orig = content
        entity.pointee.content = content
        entity.pointee.length = Int32(value.utf8.count)
        entity.pointee.etype = XML_INTERNAL_PREDEFINED_ENTITY
        entity.pointee.checked = 1
        return entity
    }
}
