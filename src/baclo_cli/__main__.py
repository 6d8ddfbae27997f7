from baclo_cli.cli.entry import program

program()
