import ArgumentParser
import Extraction
import Foundation
import KawarabanCore
import NIOCore
import NIOPosix
import Pipeline
import ServiceLifecycle
import Site
import Store

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the website, the hourly collection and the workers.")

    enum Role: String, ExpressibleByArgument, CaseIterable {
        case web, worker, all
    }

    @OptionGroup var options: GlobalOptions

    @Option(help: "web: the site only; worker: collection and processing only; all: both.")
    var role: Role = .all

    /// How long the roles have to stop after SIGTERM before they are cancelled outright.
    static let shutdownGrace: Duration = .seconds(10)

    @Option(help: "Address to listen on (overrides KAWARABAN_HOST).") var host: String?
    @Option(help: "Port to listen on (overrides KAWARABAN_PORT).") var port: Int?

    func run() async throws {
        if role != .worker {
            // Tasks run on the event loops that read the requests: a cached page is answered
            // without handing the request to another thread and back, which cost two thirds of
            // the throughput. CPU-heavy work has a pool of its own (CPUPool) either way.
            _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        }
        let flags = [Settings.Key.host: host, Settings.Key.port: port.map(String.init)]
        try await options.withServices(overriding: flags) { services in
            let settings = services.settings
            services.logger.info("starting", metadata: ["role": "\(role.rawValue)", "database": "\(settings.database)"])
            // Once per start, not per store open: a publication whose indexing a crash cut short.
            try await services.store.warnIfSearchIsUnindexed()
            _ = try await services.store.indexPublishedMissingFromSearch()
            var roles: [any Service] = []
            if role != .worker {
                let renderer = try await SiteRenderer(configuration: SiteConfiguration(
                    siteName: settings.siteName ?? SiteConfiguration.defaultSiteName,
                    publicURL: settings.publicURL, edition: settings.edition,
                    infoPages: [.about: settings.operatorPages.about, .contact: settings.operatorPages.contact,
                                .legal: settings.operatorPages.legal].compactMapValues { $0 },
                    syntheticData: try await services.store.holdsSyntheticData()))
                roles.append(try SiteApplication.application(
                    store: services.store, renderer: renderer, host: settings.host, port: settings.port,
                    logger: services.logger))
            }
            if role != .web { roles += services.backgroundServices() }
            // SIGTERM or SIGINT shuts every role down together; a role that ends or fails ends the rest.
            var configuration = ServiceGroupConfiguration(
                services: roles.map {
                    .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup,
                          failureTerminationBehavior: .gracefullyShutdownGroup)
                },
                gracefulShutdownSignals: [.sigterm, .sigint], logger: services.logger)
            configuration.maximumGracefulShutdownDuration = Self.shutdownGrace
            let group = ServiceGroup(configuration: configuration)
            try await group.run()
        }
    }
}

struct Collect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Collect every due source once (or the ones named).")

    @OptionGroup var options: GlobalOptions
    @Option(name: .customLong("source"), help: "Collect this source id now, due or not (repeatable).")
    var sourceIDs: [Int64] = []

    func run() async throws {
        try await options.withServices { services in
            let collector = services.collector()
            let outcomes: [CollectOutcome]
            if sourceIDs.isEmpty {
                outcomes = try await collector.collectDue()
            } else {
                var sources: [KawarabanCore.Source] = []
                for id in sourceIDs {
                    guard let source = try await services.store.source(id: id) else {
                        throw ValidationError("no source #\(id); see kawaraban sources list")
                    }
                    sources.append(source)
                }
                outcomes = try await collector.collect(sources)
            }
            if outcomes.isEmpty { print("no source is due") }
            for outcome in outcomes { print(outcome.summary) }
        }
    }
}

struct Work: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Process queued items.")

    @OptionGroup var options: GlobalOptions
    @Flag(help: "Stop when nothing is left that can progress now.") var untilIdle = false

    func run() async throws {
        try await options.withServices { services in
            let worker = services.worker()
            guard untilIdle else { return try await worker.runForever() }
            let summary = try await worker.runUntilIdle()
            print("steps: \(summary.steps), published: \(summary.published), failed: \(summary.failed), retries scheduled: \(summary.retriesScheduled), skipped by triage: \(summary.skipped)")
            if let reason = services.settings.llmMissingReason { print(reason) }
        }
    }
}

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Items by stage, failures with reasons, sources with their last fetch result.")

    @OptionGroup var options: GlobalOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        try await options.withServices { services in
            let report = try await StatusReport.gather(from: services.store, settings: services.settings)
            print(json ? try report.json() : report.text(edition: services.settings.edition))
        }
    }
}
