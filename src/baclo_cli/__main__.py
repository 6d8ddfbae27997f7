from baclo_cli.cli import main

main()
