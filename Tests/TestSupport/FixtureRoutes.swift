import Foundation
import Synchronization

/// A handler that serves fixed responses by path, 404 for anything else, and remembers requests.
public final class FixtureRoutes: Sendable {
    private let routes: Mutex<[String: TestResponse]>
    private let requests = Mutex<[TestRequest]>([])

    public init(_ routes: [String: TestResponse] = [:]) {
        self.routes = Mutex(routes)
    }

    public func set(_ path: String, _ response: TestResponse) {
        routes.withLock { $0[path] = response }
    }

    public var received: [TestRequest] { requests.withLock { $0 } }

    public var handler: TestHandler {
        { request in
            self.requests.withLock { $0.append(request) }
            return self.routes.withLock { $0[request.path] } ?? .notFound()
        }
    }
}
