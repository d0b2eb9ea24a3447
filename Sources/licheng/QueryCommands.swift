import Licheng
let queryCommands: [Command] = []
