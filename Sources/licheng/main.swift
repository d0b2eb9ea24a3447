import Licheng

let tool = CommandLineTool(
    root: Command(
        "licheng", abstract: "Record, replay and verify student learning portfolios (學生學習歷程檔案).",
        subcommands: [
            initCommand, staffCommand, proxyCommand, windowCommand, policyCommand, studentCommand, courseCommand,
            uploadCommand, withdrawCommand, certifyCommand, selectCommand, deselectCommand, submitCommand, receiptCommand,
            recordCommandGroup, appendCommand, importCommand,
        ] + queryCommands + storageCommands + [checkpointCommand, schoolCommand, retentionCommand, transferCommand]),
    globalOptions: [
        .value("store", valueName: "dir", help: "The store directory (default: $LICHENG_STORE or ./licheng-store)."),
        .value("as", valueName: "actor", help: "Who is acting (default: $LICHENG_ACTOR)."),
        .value("on-behalf-of", valueName: "id", help: "Act as the proxy (代理人) of this account (inferred when omitted)."),
        .flag("json", help: "Print JSON instead of text."),
    ])

tool.main()
