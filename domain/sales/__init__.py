"""Sales & CRM: customers, quotations, orders, deliveries, invoices, notes and payments."""
