from baclo_cli.cli.entry import main

main()
