from baclo_cli.entry import main

main()
