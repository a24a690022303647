from grappe.cli import main

main()
