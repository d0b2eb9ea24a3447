import Licheng
let storageCommands: [Command] = []
