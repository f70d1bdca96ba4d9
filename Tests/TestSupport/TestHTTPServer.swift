import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// A request as the test server saw it.
public struct TestRequest: Sendable {
    public var method: String
    public var path: String
    public var query: String?
    public var headers: [String: String]
    public var body: [UInt8]

    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// A body sent piece by piece: `chunk` every `interval`, `count` times or until the client leaves.
public struct TestStream: Sendable {
    public var chunk: [UInt8]
    public var interval: Duration
    public var count: Int?

    public init(chunk: [UInt8], interval: Duration = .zero, count: Int? = nil) {
        self.chunk = chunk
        self.interval = interval
        self.count = count
    }
}

/// Bytes a test server answers with, optionally after a pause, optionally followed by a stream.
public struct TestResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]
    public var delay: Duration
    public var stream: TestStream?

    public init(status: Int = 200, headers: [(String, String)] = [], body: [UInt8] = [], delay: Duration = .zero,
                stream: TestStream? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.delay = delay
        self.stream = stream
    }

    public static func text(_ text: String, contentType: String = "text/plain; charset=utf-8", status: Int = 200) -> TestResponse {
        TestResponse(status: status, headers: [("Content-Type", contentType)], body: Array(text.utf8))
    }

    public static func notFound() -> TestResponse { .text("not found", status: 404) }
}

public typealias TestHandler = @Sendable (TestRequest) async -> TestResponse

/// Runs a real HTTP/1.1 server on 127.0.0.1 with an ephemeral port for the duration of `body`.
public func withTestHTTPServer<T: Sendable>(
    _ handler: @escaping TestHandler,
    _ body: @Sendable (_ port: Int) async throws -> T
) async throws -> T {
    let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
    let app = Application(
        responder: ClosureResponder(handler: handler),
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in
            portContinuation.yield(channel.localAddress?.port ?? 0)
            portContinuation.finish()
        },
        logger: Logger(label: "test-http-server", factory: { _ in SwiftLogNoOpLogHandler() })
    )
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            try await app.run()
            return nil
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            group.cancelAll()
            throw TestServerError.didNotStart
        }
        do {
            let result = try await body(port)
            group.cancelAll()
            return result
        } catch {
            group.cancelAll()
            throw error
        }
    }
}

public enum TestServerError: Error {
    case didNotStart
}

private struct ClosureResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    /// Large enough for any request a test sends; bounded so a runaway client cannot hurt.
    static let maximumRequestBody = 16 * 1024 * 1024

    let handler: TestHandler

    func respond(to request: Request, context: Context) async throws -> Response {
        var headers: [String: String] = [:]
        for field in request.headers {
            headers[field.name.canonicalName] = field.value
        }
        // HTTP/1.1's Host header arrives as the request's authority.
        if let authority = request.head.authority { headers["host"] = authority }
        let buffer = try await request.body.collect(upTo: Self.maximumRequestBody)
        let seen = TestRequest(
            method: request.method.rawValue, path: request.uri.path, query: request.uri.query,
            headers: headers, body: Array(buffer.readableBytesView))
        let answer = await handler(seen)
        if answer.delay > .zero {
            try await Task.sleep(for: answer.delay)
        }
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let fieldName = HTTPField.Name(name) { fields.append(HTTPField(name: fieldName, value: value)) }
        }
        let status = HTTPResponse.Status(code: answer.status)
        guard let stream = answer.stream else {
            return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body)))
        }
        let start = answer.body
        return Response(status: status, headers: fields, body: ResponseBody { writer in
            if !start.isEmpty { try await writer.write(ByteBuffer(bytes: start)) }
            var sent = 0
            while stream.count.map({ sent < $0 }) ?? true {
                try await writer.write(ByteBuffer(bytes: stream.chunk))
                sent += 1
                if stream.interval > .zero { try await Task.sleep(for: stream.interval) }
            }
            try await writer.finish(nil)
        })
    }
}
