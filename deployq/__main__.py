from deployq.cli import main

main()
